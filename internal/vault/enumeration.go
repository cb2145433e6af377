package vault

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A key that may create cards and read their fingerprint or token can
// search for a stored card's hidden digits: store a guess, compare what
// comes back with the stored card's, delete the guess, try the next. Rate
// limits bound how fast; the enumeration guard stops it: a card deleted
// soon after it was created counts as a probe against the deleting key,
// and a key whose probes within a window reach the limit is suspended at
// once on this node and revoked in the store (so on every node), with a
// notice (key.suspended) that says why.

// EnumerationLimits configures the guard. The zero value takes the
// defaults; a negative MaxProbes turns the guard off.
type EnumerationLimits struct {
	// ShortLived is how soon after its creation a deleted card counts as a
	// probe; default 10 minutes.
	ShortLived time.Duration
	// Window is how far back probes are counted; default 1 hour.
	Window time.Duration
	// MaxProbes is how many probes within Window suspend a key; default 50.
	MaxProbes int
}

func (l EnumerationLimits) withDefaults() EnumerationLimits {
	if l.ShortLived <= 0 {
		l.ShortLived = 10 * time.Minute
	}
	if l.Window <= 0 {
		l.Window = time.Hour
	}
	if l.MaxProbes == 0 {
		l.MaxProbes = 50
	}
	return l
}

// maxWatchedKeys bounds the guard's memory: past it, the keys with the
// oldest probes are forgotten first.
const maxWatchedKeys = 10_000

// enumGuard counts probes per API key on this node.
type enumGuard struct {
	limits EnumerationLimits

	mu        sync.Mutex
	probes    map[string][]time.Time // key id → probe times within the window
	suspended map[string]bool
}

func newEnumGuard(l EnumerationLimits) *enumGuard {
	return &enumGuard{limits: l.withDefaults(), probes: map[string][]time.Time{}, suspended: map[string]bool{}}
}

// probe records one probe by key at now and reports the count within the
// window and whether this probe is the one that reached the limit.
func (g *enumGuard) probe(key string, now time.Time) (int, bool) {
	if g.limits.MaxProbes < 0 {
		return 0, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.suspended[key] {
		return 0, false
	}
	cut := now.Add(-g.limits.Window)
	ts := g.probes[key]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	ts = append(ts[i:], now)
	if len(ts) >= g.limits.MaxProbes {
		delete(g.probes, key)
		g.suspended[key] = true
		return len(ts), true
	}
	if _, known := g.probes[key]; !known && len(g.probes) >= maxWatchedKeys {
		g.forgetOldest()
	}
	g.probes[key] = ts
	return len(ts), false
}

// forgetOldest drops the key whose latest probe is the oldest.
func (g *enumGuard) forgetOldest() {
	var oldest string
	var at time.Time
	for k, ts := range g.probes {
		if last := ts[len(ts)-1]; oldest == "" || last.Before(at) {
			oldest, at = k, last
		}
	}
	delete(g.probes, oldest)
}

// isSuspended reports whether key was suspended on this node.
func (g *enumGuard) isSuspended(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.suspended[key]
}

// NoteDeleted counts the caller's deletion of something that holds card
// data (a card, a PCI Vault entry) created at createdAt as a probe when it
// lived no longer than the short-lived span. Domains that keep card data
// outside cards call it after their delete commits.
func (s *Service) NoteDeleted(ctx context.Context, createdAt time.Time) {
	if s.Now().Sub(createdAt) <= s.guard.limits.ShortLived {
		s.probe(ctx)
	}
}

// noteCreatedCard counts a card that will expire by itself within the
// short-lived span as a probe at once: letting a guess expire is deleting
// it without calling DeleteCard.
func (s *Service) noteCreatedCard(ctx context.Context, c Card) {
	if !c.ExpiresAt.IsZero() && c.ExpiresAt.Sub(c.CreatedAt) <= s.guard.limits.ShortLived {
		s.probe(ctx)
	}
}

// probe counts one probe against the caller's key and suspends the key
// when that reaches the limit. The revocation and its notice are written
// after the caller's transaction, on their own, so a transaction that still
// holds the store's only writer does not wait on them.
func (s *Service) probe(ctx context.Context) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.KeyID == "" {
		return
	}
	n, tripped := s.guard.probe(p.KeyID, s.Now())
	if !tripped {
		return
	}
	s.log.Warn("API key suspended: it deletes the cards it creates at a rate typical of a search for card numbers",
		"tenant", p.Tenant, "key", p.KeyID, "probes", n, "window", s.guard.limits.Window.String())
	go s.suspend(context.WithoutCancel(ctx), p, n)
}

// Admit refuses a principal that did not come through Authenticate (a
// signed JWT) when its key was suspended on this node or its tenant is
// disabled or unknown; an unreadable tenant is an error (503), not a refusal.
func (s *Service) Admit(ctx context.Context, p Principal) error {
	if s.guard.isSuspended(p.KeyID) {
		return errBadKey
	}
	if disabled, err := s.tenantDisabled(ctx, p.Tenant); err != nil {
		return err
	} else if disabled {
		return errBadKey
	}
	return nil
}

// suspend revokes the key in the store and reports it.
func (s *Service) suspend(ctx context.Context, p Principal, probes int) {
	// A JWT's key id is not an API key: it stays refused on this node by
	// Admit; the operator deletes the JWT key (keys delete-jwt).
	if strings.HasPrefix(p.KeyID, "jwt:") {
		s.log.Warn("a suspended JWT key stays refused on this node only; delete it with cardvault keys delete-jwt",
			"tenant", p.Tenant, "key", p.KeyID)
	} else if err := s.base.RevokeAPIKey(ctx, p.Tenant, p.KeyID, s.Now(), nil, nil); err != nil {
		s.log.Error("could not revoke a suspended API key in the store; it stays refused on this node",
			"tenant", p.Tenant, "key", p.KeyID, "err", err)
	}
	s.notify(ctx, Notice{Tenant: p.Tenant, Action: ActionKeySuspended, Target: p.KeyID, Detail: map[string]string{
		"reason":     "short-lived cards",
		"probes":     strconv.Itoa(probes),
		"window":     s.guard.limits.Window.String(),
		"short_span": s.guard.limits.ShortLived.String(),
	}})
}
