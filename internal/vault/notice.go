package vault

import (
	"context"
	"sync/atomic"
)

// Actions the core reports through OnNotice.
const (
	// ActionCardCreate: a card was stored.
	ActionCardCreate = "card.create"
	// ActionCardImport: a card was imported (`cardvault import`); only
	// ever a pending audit event (EnablePendingAudit), never a notice.
	ActionCardImport = "card.import"
	// ActionCardDelete: a card was deleted by a caller.
	ActionCardDelete = "card.delete"
	// ActionKeySuspended: an API key was suspended by the enumeration guard.
	ActionKeySuspended = "key.suspended"
	// ActionSecurityCodeExpired: a held security code reached its expiry
	// and was deleted; Target is the card's id. Reported once per hold,
	// by the node whose delete removed it.
	ActionSecurityCodeExpired = "security_code.expired"
	// ActionNetworkTokenProvisioned, …Suspended, …Resumed, …Deleted and
	// …Updated: a network token of a card changed; the target is the
	// token's id, Detail holds "card" (the card's id) and "state".
	ActionNetworkTokenProvisioned = "network_token.provisioned"
	ActionNetworkTokenSuspended   = "network_token.suspended"
	ActionNetworkTokenResumed     = "network_token.resumed"
	ActionNetworkTokenDeleted     = "network_token.deleted"
	ActionNetworkTokenUpdated     = "network_token.updated"
)

// Notice is a security-relevant fact the core reports for the audit log.
// It never holds card data: cards are named by id.
type Notice struct {
	Tenant string
	// Actor is the API key id of the caller, or empty for the vault itself.
	Actor  string
	Action string
	Target string
	Detail map[string]string
	// Audited says that the notice's audit event is already durable: the
	// core wrote it as a pending audit record in the same transaction as
	// the write (EnablePendingAudit), for the audit log to link into the
	// chain. The hook must not record it again.
	Audited bool
}

// noticeHook holds the function OnNotice set, and the request id function
// EnablePendingAudit set (nil while pending audit is off); shared by every
// copy of a Service.
type noticeHook struct {
	fn               atomic.Pointer[func(context.Context, Notice) error]
	pendingRequestID atomic.Pointer[func(context.Context) string]
	// pendingSeen holds the pending events written here until linked.
	pendingSeen pendingSeen
}

// OnNotice sets fn to receive the core's notices (card creation and
// deletion, key suspension); cmd/cardvault records them in the audit log.
// A notice of a write made inside a transaction is delivered after the
// call on its own goroutine, with a context not cancelled with the request,
// so that fn may write to the store; otherwise fn runs before the call
// returns. fn's error is logged: the write it reports is already made, so
// failing the call would only invite a retry that writes it twice.
func (s *Service) OnNotice(fn func(context.Context, Notice) error) {
	s.notices.fn.Store(&fn)
}

// Notify reports n through the OnNotice hook, as the core's own notices
// are; domain packages built on the core use it for their actions.
func (s *Service) Notify(ctx context.Context, n Notice) { s.notify(ctx, n) }

// notify delivers n, with the caller's key as its actor when n has none.
func (s *Service) notify(ctx context.Context, n Notice) {
	fn := s.notices.fn.Load()
	if fn == nil {
		return
	}
	if p, ok := PrincipalFrom(ctx); ok && n.Actor == "" {
		n.Actor = p.KeyID
	}
	deliver := func(ctx context.Context) {
		if err := (*fn)(ctx, n); err != nil {
			s.log.Error("could not report a notice", "action", n.Action, "tenant", n.Tenant, "target", n.Target, "err", err)
		}
	}
	if s.inTx {
		go deliver(context.WithoutCancel(ctx))
		return
	}
	deliver(ctx)
}
