package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/client"
)

func TestListPagesAndUpdate(t *testing.T) {
	ctx := context.Background()
	admin := client.New(vaultURL, adminKey)
	k, err := admin.CreateKey(ctx, client.KeyInput{Scopes: []string{client.ScopeCardsWrite, client.ScopeCardsRead}})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(vaultURL+"/", k.Secret) // a trailing slash is fine
	ids := map[string]bool{}
	for range 3 {
		card, err := c.CreateCard(ctx, client.CardInput{Number: "5555555555554444", ExpMonth: 1, ExpYear: 2040, Reference: "page-test"})
		if err != nil {
			t.Fatal(err)
		}
		ids[card.ID] = true
	}
	seen := 0
	for p := (client.Page{Limit: 2}); ; {
		list, err := c.ListCards(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, card := range list.Items {
			if ids[card.ID] {
				seen++
			}
		}
		if list.NextAfter == "" {
			break
		}
		p.After = list.NextAfter
	}
	if seen != 3 {
		t.Errorf("paging saw %d of the 3 cards", seen)
	}
	var id string
	for id = range ids {
		break
	}
	holder := "Grace Hopper"
	got, err := c.UpdateCard(ctx, id, client.CardUpdate{Holder: &holder, Metadata: map[string]string{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Holder != holder || got.Metadata["tier"] != "gold" || got.Last4 != "4444" {
		t.Errorf("update answered %+v", got)
	}
	_, err = c.UpdateCard(ctx, id, client.CardUpdate{Expiry: new("13/99")})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeInvalid || apiErr.Field != "expiry" || apiErr.Status != 400 {
		t.Errorf("bad expiry: %v", err)
	}
}

func TestErrorFromANonVaultAnswer(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_proxy")
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err := client.New(proxy.URL, "k").GetCard(context.Background(), "x")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != client.CodeInternal || apiErr.RequestID != "req_proxy" {
		t.Fatalf("got %#v", err)
	}
	if !strings.Contains(err.Error(), "req_proxy") {
		t.Errorf("message %q lacks the request id", err)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.New(vaultURL, adminKey).ListKeys(ctx, client.Page{})
	if !errors.Is(err, context.Canceled) || client.ErrorCode(err) != "" {
		t.Errorf("got %v", err)
	}
}

func TestCardDataPrintsRedacted(t *testing.T) {
	const pan = "4111111111111111"
	in := client.CardInput{Number: pan, SecurityCode: "737"}
	revealed := client.RevealedCard{Number: client.PAN(pan)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{in, &in, revealed.Number, revealed} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, pan) || strings.Contains(out, "737") || strings.Contains(out, fmt.Sprintf("%x", pan)) {
				t.Errorf("%s of %T prints card data: %s", format, v, out)
			}
		}
	}
	if revealed.Number.Digits() != pan {
		t.Error("Digits must give the number")
	}
}
