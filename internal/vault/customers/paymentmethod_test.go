package customers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func pmInput(t *testing.T, profile, customer, pan string) customers.PaymentMethodInput {
	t.Helper()
	cvc, err := card.ParseSecurityCode("123", card.Visa)
	if err != nil {
		t.Fatal(err)
	}
	return customers.PaymentMethodInput{Profile: profile, CustomerID: customer,
		Card:     vault.CardInput{PAN: vaulttest.MustPAN(t, pan), Expiry: card.Expiry{Month: 10, Year: 2035}, Holder: "Ada Lovelace", SecurityCode: cvc},
		Personal: json.RawMessage(`{"nick_name":"Ada's card"}`), Public: json.RawMessage(`{"card_issuer":"Bank"}`)}
}

func TestPaymentMethodSavesCardOnceAndSealsPersonalData(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	pm, existed, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "4111111111111111"))
	if err != nil || existed {
		t.Fatalf("create: %v, existed %v", err, existed)
	}
	if pm.Card.Last4 != "1111" || pm.Card.Holder != "Ada Lovelace" || !pm.SecurityCode.Held || pm.CustomerID != cus.ID {
		t.Errorf("created %+v", pm)
	}
	r, err := svc.Store.GetRecord(ctx, vault.KindPaymentMethod, pm.ID, svc.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Strings long enough not to occur in random ciphertext by chance.
	for _, secret := range []string{"Ada Lovelace", "4111111111111111", `"123"`, `cvc":"123`} {
		if bytes.Contains(r.Data, []byte(secret)) {
			t.Errorf("stored payment method holds %q in the clear", secret)
		}
	}

	again, existed, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "4111 1111 1111 1111"))
	if err != nil || !existed || again.ID != pm.ID {
		t.Fatalf("same card again: %v, existed %v, id %s want %s", err, existed, again.ID, pm.ID)
	}
	cards, err := svc.Vault.FindCards(ctx, vault.DefaultTenant, vaulttest.MustPAN(t, "4111111111111111"))
	if err != nil || len(cards) != 1 {
		t.Fatalf("card stored %d times, %v", len(cards), err)
	}

	other := newCustomer(t, svc, "pro_a", "cus-2")
	pm2, existed, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", other.ID, "4111111111111111"))
	if err != nil || existed || pm2.ID == pm.ID {
		t.Fatalf("same card, other customer: %v, existed %v", err, existed)
	}
}

func TestConcurrentSavesOfOneCardMakeOnePaymentMethod(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			pm, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "5555555555554444"))
			if err != nil {
				t.Error(err)
			}
			ids[i] = pm.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
	}
}

func TestPaymentMethodIsScopedToProfileAndCustomer(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	if _, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_b", cus.ID, "4111111111111111")); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("customer of another profile: %v", err)
	}
	pm, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.cs.GetPaymentMethod(ctx, vault.DefaultTenant, "pro_b", pm.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("get from another profile: %v", err)
	}
	if err := svc.cs.DeletePaymentMethod(ctx, vault.DefaultTenant, "pro_b", pm.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("delete from another profile: %v", err)
	}
	if _, err := svc.cs.ListPaymentMethods(ctx, vault.DefaultTenant, "pro_b", cus.ID, vault.Page{}); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("list from another profile: %v", err)
	}
}

func TestFailedPaymentMethodSavesNothing(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	expired := pmInput(t, "pro_a", cus.ID, "4111111111111111")
	expired.Card.Expiry = card.Expiry{Month: 1, Year: 2020}
	unknown := pmInput(t, "pro_a", "vault_cus_nope", "4111111111111111")
	badPublic := pmInput(t, "pro_a", cus.ID, "4111111111111111")
	badPublic.Public = json.RawMessage(`"x"`)
	for name, in := range map[string]customers.PaymentMethodInput{"expired": expired, "unknown customer": unknown, "bad public": badPublic} {
		if _, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, in); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
	cards, _ := svc.Store.ListCards(ctx, vault.DefaultTenant, vault.Page{}, svc.Vault.Now())
	pms, _ := svc.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindPaymentMethod}, svc.Vault.Now())
	if len(cards) != 0 || len(pms) != 0 {
		t.Errorf("left %d cards and %d payment methods", len(cards), len(pms))
	}
}

func TestUpdatePaymentMethod(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	pm, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	holder := "A. Lovelace"
	exp := card.Expiry{Month: 2, Year: 2040}
	got, err := svc.cs.UpdatePaymentMethod(ctx, vault.DefaultTenant, "pro_a", pm.ID, customers.PaymentMethodUpdate{Holder: &holder, Expiry: &exp,
		Change: func(p *customers.PaymentMethod) error {
			p.ConnectorTokens = append(p.ConnectorTokens, customers.ConnectorToken{ConnectorID: "stripe", Token: "pm_123", Status: "active"})
			p.CustomerID = "ignored"
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Card.Holder != holder || got.Card.Expiry != exp || len(got.ConnectorTokens) != 1 || got.CustomerID != cus.ID || got.Card.Last4 != "1111" {
		t.Errorf("updated to %+v", got)
	}
	past := card.Expiry{Month: 1, Year: 2021}
	if _, err := svc.cs.UpdatePaymentMethod(ctx, vault.DefaultTenant, "pro_a", pm.ID, customers.PaymentMethodUpdate{Expiry: &past}); vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("expiry in the past: %v", err)
	}
	_, err = svc.cs.UpdatePaymentMethod(ctx, vault.DefaultTenant, "pro_a", pm.ID, customers.PaymentMethodUpdate{Change: func(p *customers.PaymentMethod) error {
		p.ConnectorTokens = append(p.ConnectorTokens, customers.ConnectorToken{ConnectorID: "x"})
		return nil
	}})
	if vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("empty token: %v", err)
	}
	if again, _ := svc.cs.GetPaymentMethod(ctx, vault.DefaultTenant, "pro_a", pm.ID); again.Card.Expiry != exp || len(again.ConnectorTokens) != 1 {
		t.Errorf("a failed update changed the payment method: %+v", again)
	}
}

func TestDeletingCustomerRemovesItsPaymentMethodsAndCards(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	keep := newCustomer(t, svc, "pro_a", "cus-2")
	var cardIDs []string
	for _, pan := range []string{"4111111111111111", "5555555555554444"} {
		pm, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, pan))
		if err != nil {
			t.Fatal(err)
		}
		cardIDs = append(cardIDs, pm.Card.ID)
	}
	kept, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", keep.ID, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	del, err := svc.cs.DeleteCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID)
	if err != nil || del.PaymentMethods != 2 || del.Reference != "cus-1" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	for _, id := range cardIDs {
		if _, err := svc.Vault.GetCard(ctx, vault.DefaultTenant, id); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("card %s survived: %v", id, err)
		}
		if h, _ := svc.Vault.SecurityCodeStatus(ctx, vault.DefaultTenant, id); h.Held {
			t.Errorf("security code of %s survived", id)
		}
	}
	pms, _ := svc.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindPaymentMethod}, svc.Vault.Now())
	if len(pms) != 1 || pms[0].ID != kept.ID {
		t.Errorf("payment methods left: %d", len(pms))
	}
}

func TestDeletingDefaultPaymentMethodClearsIt(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	cus := newCustomer(t, svc, "pro_a", "cus-1")
	pm, _, err := svc.cs.CreatePaymentMethod(ctx, vault.DefaultTenant, pmInput(t, "pro_a", cus.ID, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.cs.UpdateCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID, func(c *customers.Customer) error {
		c.DefaultPaymentMethod = pm.ID
		return nil
	})
	if err != nil || got.DefaultPaymentMethod != pm.ID {
		t.Fatalf("set default: %v", err)
	}
	if err := svc.cs.DeletePaymentMethod(ctx, vault.DefaultTenant, "pro_a", pm.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.cs.GetCustomer(ctx, vault.DefaultTenant, "pro_a", cus.ID); got.DefaultPaymentMethod != "" || string(got.Personal) != personal {
		t.Errorf("after delete: %+v", got)
	}
	if _, err := svc.Vault.GetCard(ctx, vault.DefaultTenant, pm.Card.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("card survived: %v", err)
	}
}
