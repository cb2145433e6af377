package api

import (
	"net/http"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
)

// CallerEvent is the audit event of an action by the request's caller: its
// tenant and key, the request id, the action's detail (nil for none) and
// the ids it names. Every facade records its actions with it.
func CallerEvent(r *http.Request, action string, detail map[string]string, targets ...string) audit.Event {
	p := server.Principal(r)
	return audit.Event{Tenant: p.Tenant, Actor: p.KeyID, Action: action,
		Targets: targets, Detail: detail, RequestID: server.RequestIDFrom(r.Context())}
}
