package console

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
)

// forwardRow is one forward as the forwards page shows it: where it went,
// how it ended and how long it took. Audit entries of forwards hold no
// card data, and digit runs are masked anyway.
type forwardRow struct {
	At                     time.Time
	Dialect, Host, Method  string
	Status, Error, Latency string
	Actor, RequestID       string
}

// forwardOf reads a forward's outcome from its audit entry; ok is false for
// other entries and for Guardian's pre-send "forward" entry (its outcome
// is the "forward.result" entry that follows).
func forwardOf(e audit.Entry) (forwardRow, bool) {
	if e.Action != "forward" && e.Action != "forward.result" {
		return forwardRow{}, false
	}
	d := e.Detail
	row := forwardRow{At: e.At, Dialect: d["dialect"], Host: d["host"], Method: d["method"], Status: d["status"],
		Error: d["error"], Latency: d["latency_ms"], Actor: e.Actor, RequestID: e.RequestID}
	if row.Host == "" {
		row.Host = d["destination_host"]
	}
	if row.Dialect == "" && e.Action == "forward.result" {
		row.Dialect = "guardian"
	}
	if row.Error == "" {
		row.Error = d["outcome"]
	}
	if row.Status == "" && row.Error == "" && row.Latency == "" {
		return forwardRow{}, false
	}
	for _, s := range []*string{&row.Host, &row.Status, &row.Error, &row.Latency} {
		*s = server.RedactDigits(*s)
	}
	return row, true
}

// AllowRule is one rule of the forward allowlist as the console shows it.
type AllowRule struct {
	// Rule is the rule in canonical form (scheme://host:port).
	Rule string
	// Provider names the payment provider of a built-in rule
	// (CARDVAULT_FORWARD_DEFAULTS); empty for the operator's own
	// (CARDVAULT_FORWARD_ALLOW).
	Provider string
}

// forwardsData is the forwards page.
type forwardsData struct {
	Rows  []forwardRow
	Total int
	// Allow is the relay's allowlist; Own and Builtin count the
	// operator's rules and the built-in ones.
	Allow        []AllowRule
	Own, Builtin int
}

// forwardsPage shows the tenant's newest forwards (at most maxShown).
func (c *Console) forwardsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		d := forwardsData{Allow: c.d.Allowlist}
		for _, a := range d.Allow {
			if a.Provider == "" {
				d.Own++
			} else {
				d.Builtin++
			}
		}
		var err error
		d.Rows, d.Total, err = newest(r.Context(), c.d.Audit, ss.principal.Tenant, forwardOf)
		if err != nil {
			c.refuse(w, r, http.StatusServiceUnavailable, "The audit log could not be read; the store did not answer.")
			return
		}
		c.render(w, r, http.StatusOK, "forwards", view{Title: "Recent forwards", Nav: "forwards", Data: d})
	})
}
