package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// TestEventsReachAWebhook runs the binary's serve with a short
// security-code lifetime and checks that a registered endpoint gets the
// security_code.expired event of a stored card and the
// network_token.provisioned and .deleted events of a Guardian network
// token, each signed, naming cards and tokens by id only.
func TestEventsReachAWebhook(t *testing.T) {
	type got struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var received []got
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, got{r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer rcv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap,
		"CARDVAULT_FORWARD_ALLOW", rcv.URL, "CARDVAULT_SECURITY_CODE_TTL", "1s", "CARDVAULT_CLEANUP_INTERVAL", "1s",
		"CARDVAULT_WEBHOOK_POLL", "100ms"))
	call := func(method, path, body string) map[string]any {
		t.Helper()
		code, out := callJSON(t, addr, testBootstrap, method, path, body)
		if code >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	ep := call("POST", "/cardvault/v1/webhooks", `{"url":"`+rcv.URL+`/hook"}`)
	secret, _ := ep["secret"].(string)
	c := call("POST", "/cardvault/v1/cards", `{"number":"4111111111111111","expiry":"12/2039","security_code":"123"}`)
	cardID, _ := c["id"].(string)
	nt := call("POST", "/api/network/tokens", `{"source":{"type":"pci_token","id":"`+cardID+`"}}`)
	ntID, _ := nt["id"].(string)
	call("DELETE", "/api/network/tokens/"+ntID, "")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n >= 3 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	types := map[string]webhooks.Event{}
	for _, r := range received {
		if err := webhooks.Verify(secret, r.header.Get("Cardvault-Signature"), r.body, time.Now(), 0); err != nil {
			t.Fatalf("signature: %v", err)
		}
		var ev webhooks.Event
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatal(err)
		}
		types[ev.Type] = ev
	}
	if len(received) != 3 || len(types) != 3 {
		t.Fatalf("received %d deliveries of %v, want 3 events", len(received), types)
	}
	// Nothing but the card's id: no number, no code.
	if ev := types["security_code.expired"]; ev.Data["card_id"] != cardID || len(ev.Data) != 1 {
		t.Fatalf("security code event %+v, want only card_id %s", ev, cardID)
	}
	for _, typ := range []string{"network_token.provisioned", "network_token.deleted"} {
		if ev := types[typ]; ev.Data["network_token_id"] != ntID || ev.Data["card_id"] != cardID || ev.Data["sandbox"] != "true" {
			t.Fatalf("%s: %+v", typ, ev)
		}
	}
}
