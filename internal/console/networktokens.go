package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
)

// NetworkTokens lists network tokens and their lifecycle events;
// *networktokens.Service is one. Nil leaves the page saying so.
type NetworkTokens interface {
	List(ctx context.Context, tenant, cardID string, p vault.Page) ([]tsp.Token, error)
	Events(ctx context.Context, tenant, after string, limit int) ([]tsp.Event, error)
}

const (
	// tokensPerPage is how many tokens one page of the network tokens page lists.
	tokensPerPage = 50
	// eventsShown is how many lifecycle events (the newest) the page shows.
	eventsShown = 50
	// eventsScanned bounds how many events the page reads to find the
	// newest; beyond it the page says the list is incomplete.
	eventsScanned = 5000
	// maxIDLen bounds the ids the page accepts in its query.
	maxIDLen = 64
)

// tokenRow is one network token as the page shows it: the DPAN's last
// four digits only.
type tokenRow struct {
	ID, CardID, Scheme, Last4, Expiry string
	State, Provider                   string
	Sandbox                           bool
	CreatedAt, UpdatedAt              time.Time
}

// tokenEventRow is one lifecycle event.
type tokenEventRow struct {
	At                           time.Time
	Type, State, TokenID, CardID string
}

// networkTokensData is the network tokens page.
type networkTokensData struct {
	Available bool
	// Card and After are the filter and cursor the page was asked for;
	// Next is the cursor of the next page, "" on the last.
	Card, After, Next string
	Tokens            []tokenRow
	Events            []tokenEventRow
	// Partial is true when more than eventsScanned events exist and the
	// newest may be missing.
	Partial bool
}

// validID accepts the ids the vault makes (and nothing longer than
// maxIDLen): letters, digits, '_' and '-'.
func validID(s string) bool {
	if len(s) > maxIDLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// networkTokensPage lists the tenant's network tokens (of one card with
// ?card=, a page of tokensPerPage after ?after=) and their newest
// lifecycle events. A token shows its DPAN's last four digits only.
func (c *Console) networkTokensPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := sessionFrom(r.Context()).principal.Tenant
		q := r.URL.Query()
		d := networkTokensData{Available: c.d.NetworkTokens != nil, Card: q.Get("card"), After: q.Get("after")}
		if !validID(d.Card) || !validID(d.After) {
			c.refuse(w, r, http.StatusBadRequest, "The card and after parameters are ids: letters, digits, _ and -, at most 64 characters.")
			return
		}
		if d.Available {
			if err := c.readTokens(r.Context(), tenant, &d); err != nil {
				c.refuse(w, r, http.StatusServiceUnavailable, "The network tokens could not be listed; the store did not answer.")
				return
			}
		}
		c.render(w, r, http.StatusOK, "networktokens", view{Title: "Network tokens", Nav: "networktokens", Data: d})
	})
}

// readTokens fills d with one page of tokens and the newest events.
func (c *Console) readTokens(ctx context.Context, tenant string, d *networkTokensData) error {
	ts, err := c.d.NetworkTokens.List(ctx, tenant, d.Card, vault.Page{After: d.After, Limit: tokensPerPage + 1})
	if err != nil {
		return err
	}
	if len(ts) > tokensPerPage {
		ts = ts[:tokensPerPage]
		d.Next = ts[len(ts)-1].ID
	}
	for _, t := range ts {
		d.Tokens = append(d.Tokens, tokenRow{ID: t.ID, CardID: t.CardID, Scheme: string(t.Scheme), Last4: t.DPAN.Last4(),
			Expiry: t.Expiry.String(), State: string(t.State), Provider: t.Provider, Sandbox: t.Sandbox,
			CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt})
	}
	const batch = 500
	for after, read := "", 0; ; {
		evs, err := c.d.NetworkTokens.Events(ctx, tenant, after, batch)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if d.Card != "" && e.CardID != d.Card {
				continue
			}
			d.Events = append(d.Events, tokenEventRow{At: e.At, Type: string(e.Type), State: string(e.State), TokenID: e.TokenID, CardID: e.CardID})
			if len(d.Events) > eventsShown {
				d.Events = d.Events[1:]
			}
		}
		read += len(evs)
		if len(evs) < batch {
			break
		}
		if read >= eventsScanned {
			d.Partial = true
			break
		}
		after = evs[len(evs)-1].ID
	}
	slices.Reverse(d.Events)
	return nil
}
