package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
)

// maxShown bounds how many matching entries the audit page shows (the newest).
const maxShown = 200

// newest scans the tenant's audit chain and returns the rows row makes of
// its entries (skipping those it refuses): the newest maxShown, newest
// first, and how many it made in all.
func newest[R any](ctx context.Context, log AuditLog, tenant string, row func(audit.Entry) (R, bool)) ([]R, int, error) {
	var rows []R
	n := 0
	err := log.Each(ctx, tenant, func(e audit.Entry) error {
		r, ok := row(e)
		if !ok {
			return nil
		}
		n++
		rows = append(rows, r)
		if len(rows) > maxShown {
			rows = rows[1:]
		}
		return nil
	})
	slices.Reverse(rows)
	return rows, n, err
}

// auditFilter is what the audit page filters on; empty fields match all.
type auditFilter struct {
	Action, Key, Object string
	From, To            string
	from, to            time.Time
}

// parseFilter reads the filter from the query; times are "2006-01-02" or
// "2006-01-02T15:04" (as a datetime-local field sends them), in UTC.
func parseFilter(q url.Values) (auditFilter, error) {
	f := auditFilter{Action: strings.TrimSpace(q.Get("action")), Key: strings.TrimSpace(q.Get("key")),
		Object: strings.TrimSpace(q.Get("object")), From: q.Get("from"), To: q.Get("to")}
	var err error
	if f.from, err = parseWhen(f.From); err != nil {
		return f, fmt.Errorf("from: %w", err)
	}
	if f.to, err = parseWhen(f.To); err != nil {
		return f, fmt.Errorf("to: %w", err)
	}
	return f, nil
}

// parseWhen reads a date or date-time; "" is the zero time.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("use YYYY-MM-DD or YYYY-MM-DDTHH:MM")
}

// match reports whether an entry passes the filter.
func (f auditFilter) match(e audit.Entry) bool {
	return (f.Action == "" || strings.Contains(e.Action, f.Action)) &&
		(f.Key == "" || e.Actor == f.Key) &&
		(f.Object == "" || slices.Contains(e.Targets, f.Object)) &&
		(f.from.IsZero() || !e.At.Before(f.from)) &&
		(f.to.IsZero() || e.At.Before(f.to))
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	Seq                      int64
	At                       time.Time
	Action, Actor, RequestID string
	Targets, Detail          string
}

// auditData is the audit page.
type auditData struct {
	Filter  auditFilter
	Rows    []auditRow
	Matched int
	Verify  *verifyResult
}

// verifyResult is the outcome of verifying the chain.
type verifyResult struct {
	OK      bool
	Entries int64
	Problem string
}

// auditPage shows the newest entries that match the filter.
func (c *Console) auditPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.showAudit(w, r, nil)
	})
}

// showAudit scans the tenant's chain and renders the page.
func (c *Console) showAudit(w http.ResponseWriter, r *http.Request, v *verifyResult) {
	ss := sessionFrom(r.Context())
	f, err := parseFilter(r.URL.Query())
	d := auditData{Filter: f, Verify: v}
	if err != nil {
		c.render(w, r, http.StatusBadRequest, "audit", view{Title: "Audit log", Nav: "audit", Error: err.Error(), Data: d})
		return
	}
	d.Rows, d.Matched, err = newest(r.Context(), c.d.Audit, ss.principal.Tenant, func(e audit.Entry) (auditRow, bool) {
		if !f.match(e) {
			return auditRow{}, false
		}
		return rowOf(e), true
	})
	if err != nil {
		c.refuse(w, r, http.StatusServiceUnavailable, "The audit log could not be read; the store did not answer.")
		return
	}
	c.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
}

// rowOf renders an entry. Entries never hold card data; digits runs are
// masked anyway, as everywhere the vault shows text it did not write.
func rowOf(e audit.Entry) auditRow {
	var detail []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range e.Detail {
			if !yield(k) {
				return
			}
		}
	}) {
		detail = append(detail, k+"="+e.Detail[k])
	}
	return auditRow{Seq: e.Seq, At: e.At, Action: e.Action, Actor: e.Actor, RequestID: e.RequestID,
		Targets: server.RedactDigits(strings.Join(e.Targets, ", ")), Detail: server.RedactDigits(strings.Join(detail, " "))}
}

// verify walks the tenant's chain and shows the result; the check itself
// is audited.
func (c *Console) verify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		n, err := c.d.Audit.Verify(r.Context(), ss.principal.Tenant)
		res := &verifyResult{OK: err == nil, Entries: n}
		outcome := "intact"
		if err != nil {
			res.Problem = server.RedactDigits(err.Error())
			outcome = "broken"
		}
		_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.audit.verify", map[string]string{"result": outcome})
		r.URL.RawQuery = ""
		c.showAudit(w, r, res)
	})
}
