package transfer_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// guardianDump is another vault's CSV with its own column names; line 1 is
// the header. Lines 4-7 are bad, line 8 repeats line 2 (a duplicate).
const guardianDump = "token_id,card_number,exp,name,tag\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,4111 1111 1111 1111,12/29,Ada Lovelace,vip\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e71,5555555555554444,2030-01,,\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e72,4111111111111112,12/29,Bad Luhn,\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e73,378282246310005,13/29,Bad Month,\n" +
	"4242424242424242,4242424242424242,12/29,Number As Id,\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e75,6011111111111117\n" +
	"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,4111111111111111,12/29,Ada Lovelace,vip\n"

var guardianMap = map[string]string{"id": "token_id", "number": "card_number", "expiry": "exp", "holder": "name", "metadata.tag": "tag"}

func TestImportCSVKeepsIDsAndRejectsBadRows(t *testing.T) {
	dst := newVault(t, "shop")
	opts := transfer.CSVOptions{Dialect: transfer.DialectGuardian, Map: guardianMap}
	var rejects bytes.Buffer
	sum, err := transfer.ImportCSV(t.Context(), strings.NewReader(guardianDump), opts, "shop", dst, &rejects, nil)
	if err != nil || sum != (transfer.Summary{Imported: 2, Duplicates: 1, Rejected: 4}) {
		t.Fatalf("import = %+v, %v; rejects:\n%s", sum, err, rejects.String())
	}
	for _, p := range []string{"4111111111111112", "4242424242424242", "378282246310005", "5555555555554444", "6011111111111117"} {
		if strings.Contains(rejects.String(), p) {
			t.Fatalf("the rejects file holds a card number:\n%s", rejects.String())
		}
	}
	got := map[int]transfer.Reject{}
	for _, line := range strings.Split(strings.TrimSpace(rejects.String()), "\n") {
		var r transfer.Reject
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		got[r.Line] = r
	}
	for line, want := range map[int]string{4: "check digit", 5: "expiry", 6: "not a UUID", 7: "fields"} {
		if !strings.Contains(got[line].Reason, want) {
			t.Errorf("line %d: rejected with %+v, want a reason with %q", line, got[line], want)
		}
	}
	if got[6].ID != "" {
		t.Errorf("a malformed id was echoed into the rejects file: %q", got[6].ID)
	}
	rc, err := dst.RevealCard(t.Context(), "shop", "0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70")
	if err != nil || rc.PAN.Digits() != "4111111111111111" || rc.Holder != "Ada Lovelace" || rc.Expiry.Month != 12 ||
		rc.Expiry.Year != 2029 || rc.Metadata["tag"] != "vip" {
		t.Fatalf("imported card: %+v, %v", rc.CardView, err)
	}
	for _, bad := range []string{"0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e72", "0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e73"} {
		if _, err := dst.GetCard(t.Context(), "shop", bad); vault.CodeOf(err) != vault.CodeNotFound {
			t.Fatalf("a rejected row was stored: %s, %v", bad, err)
		}
	}
	// Re-running the same file stores nothing new.
	rejects.Reset()
	sum, err = transfer.ImportCSV(t.Context(), strings.NewReader(guardianDump), opts, "shop", dst, &rejects, nil)
	if err != nil || sum != (transfer.Summary{Duplicates: 3, Rejected: 4}) {
		t.Fatalf("re-run = %+v, %v", sum, err)
	}
	// An id that holds another card is rejected, never overwritten.
	rejects.Reset()
	other := "token_id,card_number,exp,name,tag\n0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,5555555555554444,,,\n"
	sum, err = transfer.ImportCSV(t.Context(), strings.NewReader(other), opts, "shop", dst, &rejects, nil)
	if err != nil || sum != (transfer.Summary{Rejected: 1}) || !strings.Contains(rejects.String(), `"line":2`) ||
		!strings.Contains(rejects.String(), "taken by another card") {
		t.Fatalf("import over another card = %+v, %v, %s", sum, err, rejects.String())
	}
}

func TestImportCSVHeaderProblemsStopBeforeAnyRow(t *testing.T) {
	dst := newVault(t, "shop")
	for name, c := range map[string]struct {
		dump    string
		mapping string
		dialect transfer.Dialect
		want    string
	}{
		"no id column":       {"number,expiry\n4111111111111111,12/29\n", "", transfer.DialectGr4vy, "no id column"},
		"mapped column gone": {"id,pan\n0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70,4111111111111111\n", "number=card", transfer.DialectGr4vy, `no column "card"`},
		"month without year": {"id,number,exp_month\n", "", transfer.DialectCardvault, "go together"},
		"unknown dialect":    {"id,number\n", "", "stripe", "unknown dialect"},
		"empty file":         {"", "", transfer.DialectCardvault, "header"},
	} {
		m, err := transfer.ParseMap(c.mapping)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := transfer.ImportCSV(t.Context(), strings.NewReader(c.dump), transfer.CSVOptions{Dialect: c.dialect, Map: m}, "shop", dst, &bytes.Buffer{}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || sum != (transfer.Summary{}) {
			t.Errorf("%s: %+v, %v; want an error with %q", name, sum, err, c.want)
		}
	}
	for _, bad := range []string{"number", "pan=card", "number=a,number=b", "=x", "metadata.=x"} {
		if _, err := transfer.ParseMap(bad); err == nil {
			t.Errorf("ParseMap(%q) accepted", bad)
		}
	}
}

// A Hyperswitch dump keeps payment-method and customer ids: customers
// missing from the vault are made under their ids, the same card twice
// for one customer is one payment method, and re-running is a no-op.
func TestImportCSVHyperswitchPaymentMethods(t *testing.T) {
	dst := newVault(t, "shop")
	cs := customers.New(dst)
	dump := "payment_method_id,customer_id,card_number,card_exp_month,card_exp_year,card_holder_name\n" +
		"pm_0001,cus_ada,4111111111111111,12,2030,Ada\n" +
		"pm_0002,cus_ada,5555555555554444,1,2031,Ada\n" +
		"pm_0003,cus_bob,4111111111111111,12,2030,Bob\n" +
		"pm_0004,cus_ada,4111111111111111,12,2030,Ada again\n" +
		"4111111111111111,cus_bob,378282246310005,12,2030,Bad id\n"
	m, _ := transfer.ParseMap("id=payment_method_id,number=card_number,exp_month=card_exp_month,exp_year=card_exp_year,holder=card_holder_name")
	opts := transfer.CSVOptions{Dialect: transfer.DialectHyperswitch, Map: m, PaymentMethods: cs, Profile: "pro_x"}
	for i, want := range []transfer.Summary{{Imported: 3, Rejected: 2}, {Duplicates: 3, Rejected: 2}} {
		var rejects bytes.Buffer
		sum, err := transfer.ImportCSV(t.Context(), strings.NewReader(dump), opts, "shop", dst, &rejects, nil)
		if err != nil || sum != want {
			t.Fatalf("import %d = %+v, %v, want %+v; rejects %s", i, sum, err, want, rejects.String())
		}
		if !strings.Contains(rejects.String(), `{"line":5,"id":"pm_0004","reason":"this card is already saved for this customer`) ||
			strings.Contains(rejects.String(), "4111111111111111") {
			t.Fatalf("rejects: %s", rejects.String())
		}
	}
	pm, err := cs.GetPaymentMethod(t.Context(), "shop", "pro_x", "pm_0002")
	if err != nil || pm.CustomerID != "cus_ada" || pm.Card.Last4 != "4444" || pm.Card.Expiry.Month != 1 {
		t.Fatalf("payment method after import: %+v, %v", pm, err)
	}
	if _, err := cs.GetCustomer(t.Context(), "shop", "pro_x", "cus_bob"); err != nil {
		t.Fatalf("customer made by the import: %v", err)
	}
	if _, err := transfer.ImportCSV(t.Context(), strings.NewReader("id,number\n"), transfer.CSVOptions{Dialect: transfer.DialectHyperswitch,
		PaymentMethods: cs, Profile: "pro_x"}, "shop", dst, &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "customer_id") {
		t.Fatalf("hyperswitch dump without customer_id: %v", err)
	}
}
