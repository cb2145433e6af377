package customers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const personal = `{"name":"Grace Hopper","email":"grace@example.com"}`

func newCustomer(t *testing.T, svc *env, profile, ref string) customers.Customer {
	t.Helper()
	c, err := svc.cs.CreateCustomer(context.Background(), vault.DefaultTenant, customers.CustomerInput{Profile: profile,
		Reference: ref, Personal: json.RawMessage(personal), Public: json.RawMessage(`{"description":"vip"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCustomerPersonalDataIsSealed(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	c := newCustomer(t, svc, "pro_a", "cus-1")
	r, err := svc.Store.GetRecord(ctx, vault.KindCustomer, c.ID, svc.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Grace", "grace@example.com"} {
		if bytes.Contains(r.Data, []byte(secret)) {
			t.Errorf("stored customer holds %q in the clear", secret)
		}
	}
	got, err := svc.cs.GetCustomer(ctx, vault.DefaultTenant, "pro_a", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Personal) != personal || got.Reference != "cus-1" || string(got.Public) != `{"description":"vip"}` {
		t.Errorf("read back %+v", got)
	}
}

func TestCustomerReferenceIsUniquePerProfile(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	newCustomer(t, svc, "pro_a", "cus-1")
	_, err := svc.cs.CreateCustomer(ctx, vault.DefaultTenant, customers.CustomerInput{Profile: "pro_a", Reference: "cus-1"})
	if vault.CodeOf(err) != vault.CodeConflict {
		t.Fatalf("duplicate reference: %v", err)
	}
	newCustomer(t, svc, "pro_b", "cus-1") // another profile may use it
	newCustomer(t, svc, "pro_a", "")      // no reference, no key
	newCustomer(t, svc, "pro_a", "")
	list, err := svc.cs.ListCustomers(ctx, vault.DefaultTenant, "pro_a", vault.Page{Limit: 10})
	if err != nil || len(list) != 3 {
		t.Fatalf("profile a lists %d customers, %v", len(list), err)
	}
}

func TestCustomerOfAnotherProfileOrTenantIsNotFound(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	c := newCustomer(t, svc, "pro_a", "cus-1")
	if _, err := svc.Vault.CreateTenant(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ tenant, profile string }{{vault.DefaultTenant, "pro_b"}, {"other", "pro_a"}} {
		if _, err := svc.cs.GetCustomer(ctx, tc.tenant, tc.profile, c.ID); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("get from %v: %v", tc, err)
		}
		_, err := svc.cs.UpdateCustomer(ctx, tc.tenant, tc.profile, c.ID, func(*customers.Customer) error { return nil })
		if vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("update from %v: %v", tc, err)
		}
		if _, err := svc.cs.DeleteCustomer(ctx, tc.tenant, tc.profile, c.ID); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("delete from %v: %v", tc, err)
		}
	}
}

func TestUpdateCustomer(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	svc.Clock.Advance(time.Minute)
	got, err := svc.cs.UpdateCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID, func(u *customers.Customer) error {
		u.Personal = json.RawMessage(`{"name":"G. Hopper"}`)
		u.Reference = "ignored"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Personal) != `{"name":"G. Hopper"}` || got.Reference != "cus-1" || !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("updated to %+v", got)
	}
	_, err = svc.cs.UpdateCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID, func(u *customers.Customer) error {
		u.DefaultPaymentMethod = "vault_pm_nope"
		return nil
	})
	if vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("unknown default payment method: %v", err)
	}
	_, err = svc.cs.UpdateCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID, func(u *customers.Customer) error {
		u.Public = json.RawMessage(`[1]`)
		return nil
	})
	if vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("non-object public data: %v", err)
	}
}

func TestCustomerInputIsValidated(t *testing.T) {
	svc := newEnv(t)
	for name, in := range map[string]customers.CustomerInput{
		"bad profile":                  {Profile: "pro/a"},
		"empty profile":                {},
		"reference with a card number": {Profile: "p", Reference: "cust-4111 1111 1111 1111"},
		"long reference":               {Profile: "p", Reference: strings.Repeat("é", 65)},
		"control in reference":         {Profile: "p", Reference: "a\x00b"},
		"array personal":               {Profile: "p", Personal: json.RawMessage(`[]`)},
		"broken personal":              {Profile: "p", Personal: json.RawMessage(`{`)},
	} {
		if _, err := svc.cs.CreateCustomer(context.Background(), vault.DefaultTenant, in); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// env is a vault core with the customers domain on it.
type env struct {
	*vaulttest.Core
	cs *customers.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{SecurityCodeTTL: time.Hour})
	return &env{Core: c, cs: customers.New(c.Vault)}
}
