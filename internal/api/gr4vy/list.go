package gr4vy

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// Page sizes of GET /payment-methods (the spec's limit parameter).
const (
	defaultLimit = 20
	maxLimit     = 100
)

// maxScan bounds how many cards one filtered list request reads; a page
// that reaches it ends early with a next_cursor to carry on from.
const maxScan = 1000

// scanBatch is how many cards a filtered list reads from the store at once.
const scanBatch = 100

// paymentMethods is Gr4vy's PaymentMethods list.
type paymentMethods struct {
	Items          []paymentMethod `json:"items"`
	Limit          int             `json:"limit"`
	NextCursor     *string         `json:"next_cursor"`
	PreviousCursor *string         `json:"previous_cursor"`
}

// listQuery is a parsed GET /payment-methods query.
type listQuery struct {
	after string
	limit int
	// none is set when a filter can match no card (a status other than
	// succeeded).
	none bool
	// buyerID and buyerRef, when set, keep only the buyer's cards.
	buyerID, buyerRef *string
	// reference, when not empty, keeps only cards with that external_identifier.
	reference string
}

// statuses is Gr4vy's PaymentMethodStatus enum; stored cards are all "succeeded".
var statuses = map[string]bool{"processing": true, "buyer_approval_required": true, "succeeded": true, "failed": true, "paused": true}

// parseListQuery reads cursor, limit and the filters. Unknown parameters
// are ignored, as Gr4vy's clients may send more than cardvault needs.
func parseListQuery(q url.Values) (listQuery, error) {
	lq := listQuery{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return lq, invalid(inQuery, "limit", "limit must be a whole number from 1 to %d", maxLimit)
		}
		lq.limit = n
	}
	if s := q.Get("cursor"); s != "" {
		after, err := decodeCursor(s)
		if err != nil {
			return lq, err
		}
		lq.after = after
	}
	if q.Has("buyer_id") {
		v := q.Get("buyer_id")
		lq.buyerID = &v
	}
	if q.Has("buyer_external_identifier") {
		v := q.Get("buyer_external_identifier")
		lq.buyerRef = &v
	}
	if vs, ok := q["status"]; ok {
		succeeded := false
		for _, s := range vs {
			if !statuses[s] {
				return lq, invalid(inQuery, "status", "status must be one of processing, buyer_approval_required, succeeded, failed, paused")
			}
			succeeded = succeeded || s == "succeeded"
		}
		lq.none = lq.none || !succeeded
	}
	lq.reference = q.Get("external_identifier")
	return lq, nil
}

// encodeCursor makes the opaque cursor that follows a card id.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", invalid(inQuery, "cursor", "cursor is not one this API returned")
	}
	id, err := uuid.ParseBytes(b)
	if err != nil || id.String() != string(b) {
		return "", invalid(inQuery, "cursor", "cursor is not one this API returned")
	}
	return string(b), nil
}

// listPaymentMethods pages through masked cards: GET /payment-methods.
func (a *API) listPaymentMethods(w http.ResponseWriter, r *http.Request) error {
	lq, err := parseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	out := paymentMethods{Items: []paymentMethod{}, Limit: lq.limit}
	if !lq.none {
		pager := a.page
		if lq.buyerID != nil || lq.buyerRef != nil {
			pager = a.buyerPage
		}
		cards, next, err := pager(r, lq)
		if err != nil {
			return err
		}
		for _, c := range cards {
			pm, err := a.render(r.Context(), c)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, pm)
		}
		if next != "" {
			cur := encodeCursor(next)
			out.NextCursor = &cur
		}
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// page returns up to lq.limit matching cards after lq.after, and the id to
// continue after ("" at the end). Unfiltered, it reads one row more than
// it returns to know whether a next page exists; filtered, it scans at
// most maxScan cards.
func (a *API) page(r *http.Request, lq listQuery) ([]vault.CardView, string, error) {
	ctx, tenant := r.Context(), server.Principal(r).Tenant
	batch := lq.limit + 1
	if lq.reference != "" {
		batch = scanBatch
	}
	var out []vault.CardView
	after, scanned := lq.after, 0
	for {
		cards, err := a.vault.ListCards(ctx, tenant, vault.Page{After: after, Limit: batch})
		if err != nil {
			return nil, "", err
		}
		for _, c := range cards {
			if lq.reference != "" && c.Reference != lq.reference {
				after, scanned = c.ID, scanned+1
				continue
			}
			if len(out) == lq.limit {
				return out, out[len(out)-1].ID, nil
			}
			out = append(out, c)
			after, scanned = c.ID, scanned+1
		}
		if len(cards) < batch {
			return out, "", nil
		}
		if scanned >= maxScan {
			return out, after, nil
		}
	}
}
