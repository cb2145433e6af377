package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// Webhooks lists webhook endpoints and their deliveries;
// *webhooks.Service is one. Nil leaves the page saying so.
type Webhooks interface {
	List(ctx context.Context, tenant string, p vault.Page) ([]webhooks.Endpoint, error)
	Deliveries(ctx context.Context, tenant, endpointID string, p vault.Page) ([]webhooks.Delivery, error)
}

var _ Webhooks = (*webhooks.Service)(nil)

// webhookRow is one endpoint on the webhooks page, with its deliveries
// counted by state and those not delivered listed.
type webhookRow struct {
	ID, Host, Events                     string
	Created                              time.Time
	Pending, Delivered, Failed, Canceled int
	Open                                 []deliveryRow
	More                                 bool
}

// deliveryRow is one delivery that is pending or failed.
type deliveryRow struct {
	EventID, Type, State, LastError string
	Attempts, LastStatus            int
	NextAt                          time.Time
}

type webhooksData struct {
	Rows      []webhookRow
	Available bool
}

// maxOpen is how many undelivered deliveries the page lists per endpoint.
const maxOpen = 20

// webhooksPage lists the tenant's webhook endpoints with their deliveries
// of the last days (up to 1000 each): counts by state, and the pending and
// failed ones with their last answer.
func (c *Console) webhooksPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := sessionFrom(r.Context()).principal.Tenant
		d := webhooksData{Available: c.d.Webhooks != nil}
		var eps []webhooks.Endpoint
		var err error
		if d.Available {
			eps, err = c.d.Webhooks.List(r.Context(), tenant, vault.Page{Limit: 100})
		}
		for _, ep := range eps {
			row := webhookRow{ID: ep.ID, Host: urlHost(ep.URL), Events: strings.Join(ep.EventNames(), " "), Created: ep.CreatedAt}
			for after := ""; err == nil; {
				var page []webhooks.Delivery
				if page, err = c.d.Webhooks.Deliveries(r.Context(), tenant, ep.ID, vault.Page{After: after, Limit: 100}); err != nil {
					break
				}
				for _, dl := range page {
					row.count(dl)
				}
				if len(page) < 100 || row.total() >= 1000 {
					break
				}
				after = page[len(page)-1].ID
			}
			d.Rows = append(d.Rows, row)
		}
		if err != nil {
			c.refuse(w, r, http.StatusServiceUnavailable, "The webhooks could not be listed; the store did not answer.")
			return
		}
		c.render(w, r, http.StatusOK, "webhooks", view{Title: "Webhooks", Nav: "webhooks", Data: d})
	})
}

// count adds a delivery to the row's counts, and to its list when it is
// not delivered.
func (row *webhookRow) count(d webhooks.Delivery) {
	switch d.State {
	case webhooks.StateDelivered:
		row.Delivered++
		return
	case webhooks.StateCancelled:
		row.Canceled++
		return
	case webhooks.StatePending:
		row.Pending++
	case webhooks.StateFailed:
		row.Failed++
	}
	if len(row.Open) == maxOpen {
		row.More = true
		return
	}
	row.Open = append(row.Open, deliveryRow{EventID: d.EventID, Type: d.EventType, State: d.State, LastError: server.RedactDigits(d.LastError),
		Attempts: d.Attempts, LastStatus: d.LastStatus, NextAt: d.NextAt})
}

// urlHost is an endpoint URL's scheme and host (with its port): its path
// and query may hold a credential of the receiver's, so the page never
// shows them.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unreadable URL)"
	}
	return u.Scheme + "://" + u.Host
}

func (row *webhookRow) total() int { return row.Pending + row.Delivered + row.Failed + row.Canceled }
