package transfer

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
)

// FuzzCSVRow feeds arbitrary headers, mappings and rows to the CSV row
// parser: it never panics, an accepted row has a valid id, number and
// expiry, and a rejection never carries a card number (the id it echoes
// is always a well-formed UUID).
func FuzzCSVRow(f *testing.F) {
	f.Add("token_id,card_number,exp,name", "id=token_id,number=card_number,expiry=exp,holder=name",
		"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,4111111111111111,12/29,Ada", uint8(1))
	f.Add("id,number,exp_month,exp_year,created_at,tag", "metadata.t=tag",
		"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,5555555555554444,1,2031,2026-01-02T03:04:05Z,x", uint8(0))
	f.Add("id,number", "", "4111111111111111,4111111111111111", uint8(2))
	f.Add("id,number,holder", "", `"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70","4111111111111111","a ""b"""`, uint8(1))
	f.Add("payment_method_id,customer_id,number", "id=payment_method_id", "pm_1,cus_1,4111111111111111", uint8(3))
	f.Add("user,token,reference,number", "id=token", "alice,"+strings.Repeat("ab", 32)+",r,4111111111111111", uint8(4))
	f.Fuzz(func(t *testing.T, header, mapping, row string, dialect uint8) {
		m, err := ParseMap(mapping)
		if err != nil {
			return
		}
		h, err := csv.NewReader(strings.NewReader(header)).Read()
		if err != nil {
			return
		}
		d := Dialects()[int(dialect)%len(Dialects())]
		l, err := newLayout(h, m, d)
		if err != nil {
			return
		}
		cr := csv.NewReader(strings.NewReader(row))
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			return
		}
		r, in, err := l.parse(rec)
		if err != nil {
			if card.ContainsPAN(err.Error()) || r.Number != "" {
				t.Fatalf("rejection carries a card number: %q", err)
			}
			if r.ID != "" && !l.validID(r.ID) {
				t.Fatalf("rejection echoes id %q, which is not a %s id", r.ID, d)
			}
			return
		}
		if !l.validID(r.ID) || (d != DialectHyperswitch && strings.ToLower(r.ID) != r.ID) {
			t.Fatalf("accepted %s id %q", d, r.ID)
		}
		if _, uerr := uuid.Parse(r.ID); (d == DialectGuardian || d == DialectGr4vy || d == DialectCardvault) && uerr != nil {
			t.Fatalf("accepted %s id %q, not a UUID", d, r.ID)
		}
		if _, perr := card.ParsePAN(in.PAN.Digits()); perr != nil {
			t.Fatalf("accepted an invalid number: %v", perr)
		}
		if in.Expiry != (card.Expiry{}) {
			if _, eerr := card.NewExpiry(in.Expiry.Month, in.Expiry.Year); eerr != nil {
				t.Fatalf("accepted expiry %+v", in.Expiry)
			}
		}
	})
}
