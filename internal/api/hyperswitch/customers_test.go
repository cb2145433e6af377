package hyperswitch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestCustomerLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pro := []string{"x-profile-id", "pro_abcdefghijklmnop"}

	created := e.must(t, "POST", "/v2/customers", seedCustomer, pro...)
	id := created["id"].(string)
	if !strings.HasPrefix(id, "vault_cus_") || created["merchant_reference_id"] != "customer_1742551597" ||
		created["name"] != seedName || created["email"] != seedEmail || created["phone"] != "999999999" ||
		created["phone_country_code"] != "+65" || created["description"] != "First customer" ||
		at(created, "default_billing_address.city") != "San Fransico" || at(created, "default_shipping_address.last_name") != "Doe" ||
		at(created, "metadata.udf1") != "value1" {
		t.Errorf("create answered %v", created)
	}

	got := e.must(t, "GET", "/v2/customers/"+id, "", pro...)
	if got["email"] != seedEmail || got["created_at"] != created["created_at"] {
		t.Errorf("retrieve answered %v", got)
	}

	updated := e.must(t, "PUT", "/v2/customers/"+id, `{"name":"Jane Doe","email":"jane@example.com","default_shipping_address":{"city":"Oslo","country":"NO"}}`, pro...)
	if updated["name"] != "Jane Doe" || updated["email"] != "jane@example.com" || updated["phone"] != "999999999" ||
		at(updated, "default_shipping_address.city") != "Oslo" || at(updated, "default_billing_address.city") != "San Fransico" {
		t.Errorf("PUT answered %v", updated)
	}
	patched := e.must(t, "PATCH", "/v2/customers/"+id, `{"description":"VIP"}`, pro...)
	if patched["description"] != "VIP" || patched["name"] != "Jane Doe" {
		t.Errorf("PATCH answered %v", patched)
	}

	status, b := e.call(t, "GET", "/v2/customers/list", "", pro...)
	if status != 200 || !bytes.Contains(b, []byte(id)) {
		t.Errorf("list: %d %s", status, b)
	}

	deleted := e.must(t, "DELETE", "/v2/customers/"+id, "", pro...)
	if deleted["id"] != id || deleted["customer_deleted"] != true || deleted["merchant_reference_id"] != "customer_1742551597" {
		t.Errorf("delete answered %v", deleted)
	}
	if status, b := e.call(t, "GET", "/v2/customers/"+id, "", pro...); status != 404 || errCode(t, b) != "HE_02" {
		t.Errorf("get after delete: %d %s", status, b)
	}
}

func TestCustomerPersonalDataIsSealedAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.newCustomer(t, "cus_sealed")
	r, err := e.Store.GetRecord(context.Background(), vault.KindCustomer, id, e.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{seedName, seedEmail, "999999999", "Harrison Street", "joseph"} {
		if bytes.Contains(r.Data, []byte(s)) {
			t.Errorf("the stored customer holds %q in the clear", s)
		}
	}
}

func TestDuplicateMerchantReferenceIsConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.newCustomer(t, "cus_dup")
	status, b := e.call(t, "POST", "/v2/customers", strings.Replace(seedCustomer, "customer_1742551597", "cus_dup", 1))
	if status != 409 || errCode(t, b) != "HE_01" {
		t.Fatalf("duplicate: %d %s", status, b)
	}
	// Another profile has its own references.
	e.newCustomer(t, "cus_dup", "x-profile-id", "pro_other")
}

func TestCustomerWithoutReferenceAnswersItsID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := e.must(t, "POST", "/v2/customers", `{"name":"Ann","email":"ann@example.com"}`)
	if c["merchant_reference_id"] != c["id"] {
		t.Errorf("merchant_reference_id %v, id %v", c["merchant_reference_id"], c["id"])
	}
}

func TestListCustomersPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.newCustomer(t, fmt.Sprintf("cus_%d", i)))
	}
	e.newCustomer(t, "cus_elsewhere", "x-profile-id", "pro_other")
	page := func(query string) []string {
		t.Helper()
		status, b := e.call(t, "GET", "/v2/customers/list"+query, "")
		if status != 200 {
			t.Fatalf("list%s: %d %s", query, status, b)
		}
		var got []string
		for _, m := range strings.Split(string(b), `"id":"`)[1:] {
			got = append(got, m[:strings.IndexByte(m, '"')])
		}
		return got
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", ids},
		{"?limit=2", ids[:2]},
		{"?limit=2&offset=2", ids[2:4]},
		{"?offset=4", ids[4:]},
		{"?offset=9", nil},
		{"?limit=2&starting_after=" + ids[1], ids[2:4]},
	} {
		if got := page(tc.query); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("list%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?offset=-1"} {
		if status, b := e.call(t, "GET", "/v2/customers/list"+q, ""); status != 400 || errCode(t, b) != "IR_05" {
			t.Errorf("list%s: %d %s", q, status, b)
		}
	}
}

func TestBadCustomerInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := e.newCustomer(t, "cus_1")
	for _, tc := range []struct {
		name, method, path, body, code string
		status                         int
	}{
		{"malformed JSON", "POST", "/v2/customers", `{"name":`, "IR_06", 400},
		{"unknown field", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","customer_id":"x"}`, "IR_06", 400},
		{"missing name", "POST", "/v2/customers", `{"email":"a@b.co"}`, "IR_04", 400},
		{"missing email", "POST", "/v2/customers", `{"name":"a"}`, "IR_04", 400},
		{"bad email", "POST", "/v2/customers", `{"name":"a","email":"not an email"}`, "IR_05", 400},
		{"empty reference", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","merchant_reference_id":""}`, "IR_05", 400},
		{"reference of 65 characters", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","merchant_reference_id":"` + strings.Repeat("é", 65) + `"}`, "IR_05", 400},
		{"reference holding a card number", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","merchant_reference_id":"cust.4111.1111.1111.1111"}`, "IR_05", 400},
		{"reference with a control character", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","merchant_reference_id":"a\u0000b"}`, "IR_05", 400},
		{"long name", "POST", "/v2/customers", `{"name":"` + strings.Repeat("n", 256) + `","email":"a@b.co"}`, "IR_05", 400},
		{"bad country", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","default_billing_address":{"country":"XX"}}`, "IR_07", 400},
		{"metadata not an object", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","metadata":[1]}`, "IR_05", 400},
		{"bad document type", "POST", "/v2/customers", `{"name":"a","email":"a@b.co","document_details":{"document_type":"passport","document_number":"1"}}`, "IR_07", 400},
		{"reference change", "PUT", "/v2/customers/" + id, `{"merchant_reference_id":"other"}`, "IR_19", 400},
		{"unknown default payment method", "PUT", "/v2/customers/" + id, `{"default_payment_method_id":"vault_pm_nope"}`, "IR_05", 400},
		{"unknown customer", "GET", "/v2/customers/vault_cus_00000000000000000000000000000000", "", "HE_02", 404},
		{"unknown customer update", "PUT", "/v2/customers/vault_cus_00000000000000000000000000000000", `{"name":"x"}`, "HE_02", 404},
		{"bad profile header", "GET", "/v2/customers/list", "", "IR_05", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.name == "bad profile header" {
				headers = []string{"x-profile-id", "pro/../x"}
			}
			status, b := e.call(t, tc.method, tc.path, tc.body, headers...)
			if status != tc.status || errCode(t, b) != tc.code {
				t.Errorf("%d %s, want %d %s", status, b, tc.status, tc.code)
			}
		})
	}
	list, err := e.Customers.ListCustomers(context.Background(), vault.DefaultTenant, "pro_default", vault.Page{})
	if err != nil || len(list) != 1 {
		t.Errorf("bad input saved customers: %d, %v", len(list), err)
	}
	if got := e.must(t, "GET", "/v2/customers/"+id, ""); got["name"] != seedName {
		t.Errorf("a failed update changed the customer: %v", got)
	}
}

// TestMerchantReferenceAnyCharacters: merchant_reference_id is any 1-64
// characters (the document's only rule), so cust.42, an e-mail address or a
// name with spaces are accepted and answered back; the record's clear key
// holds only a keyed hash of it, never the reference itself.
func TestMerchantReferenceAnyCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, ref := range []string{"cust.42", "ada@example.com", "Ada Lovelace #7", strings.Repeat("é", 64), "order/2024/17"} {
		body, _ := json.Marshal(map[string]string{"name": "a", "email": "a@b.co", "merchant_reference_id": ref})
		got := e.must(t, "POST", "/v2/customers", string(body))
		if got["merchant_reference_id"] != ref {
			t.Errorf("%q answered back as %v", ref, got["merchant_reference_id"])
		}
		// Unique per profile, whatever it holds.
		if status, b := e.call(t, "POST", "/v2/customers", string(body)); status != 409 || errCode(t, b) != "HE_01" {
			t.Errorf("%q twice: %d %s, want 409 HE_01", ref, status, b)
		}
	}
	recs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindCustomer,
		Page: vault.Page{Limit: 100}}, time.Time{})
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if raw, _ := json.Marshal(r); strings.Contains(string(raw), "ada@example.com") || strings.Contains(string(raw), "cust.42") {
			t.Fatalf("a merchant reference is in the store in clear: %s", raw)
		}
	}
}
