package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Card writes are limited per key, in each dialect's own error shape, and
// a guesser that deletes what it creates is suspended: both through serve,
// configured by the operator's variables.
func TestServeLimitsCardWritesAndSuspendsGuessers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap,
		"CARDVAULT_RATE_LIMIT_CARD_WRITES", "2/1m:2", "CARDVAULT_SUSPEND_PROBES", "2"))
	base := "http://" + addr

	for i := range 2 {
		if status, body := call(t, "POST", base+"/cardvault/v1/cards", testBootstrap, `{"number":"4111111111111111"}`); status != 201 {
			t.Fatalf("card %d within the limit: %d %s", i, status, body)
		}
	}
	req, _ := http.NewRequest("POST", base+"/cardvault/v1/cards", strings.NewReader(`{"number":"4111111111111111"}`))
	req.Header.Set("X-Api-Key", testBootstrap)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var native struct{ Error struct{ Code string } }
	json.NewDecoder(resp.Body).Decode(&native)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || native.Error.Code != "rate_limited" {
		t.Fatalf("third card: %d Retry-After %q code %q", resp.StatusCode, resp.Header.Get("Retry-After"), native.Error.Code)
	}
	// Reads are not card writes.
	if status, body := call(t, "GET", base+"/cardvault/v1/cards", testBootstrap, ""); status != 200 {
		t.Fatalf("list after the card limit: %d %s", status, body)
	}
	// The same limit in Guardian's shape (its own error body).
	status, body := call(t, "POST", base+"/api/pci/tokens", testBootstrap,
		`{"data":{"number":"4111111111111111","expiry_month":12,"expiry_year":2035}}`)
	if status != 429 || !strings.Contains(string(body), "message") {
		t.Fatalf("guardian token over the limit: %d %s", status, body)
	}

	// A key that stores and deletes guesses is suspended at the second.
	status, body = call(t, "POST", base+"/cardvault/v1/keys", testBootstrap, `{"scopes":["cards:write","cards:read"]}`)
	var key struct{ ID, Secret string }
	if err := json.Unmarshal(body, &key); err != nil || status != 201 || key.Secret == "" {
		t.Fatalf("key: %d %s", status, body)
	}
	for i := range 2 {
		status, body := call(t, "POST", base+"/cardvault/v1/cards", key.Secret, `{"number":"4012888888881881"}`)
		var c struct{ ID string }
		if json.Unmarshal(body, &c); status != 201 {
			t.Fatalf("guess %d: %d %s", i, status, body)
		}
		if status, body := call(t, "DELETE", base+"/cardvault/v1/cards/"+c.ID, key.Secret, ""); status != 204 {
			t.Fatalf("delete guess %d: %d %s", i, status, body)
		}
	}
	if status, body := call(t, "GET", base+"/cardvault/v1/cards", key.Secret, ""); status != 401 {
		t.Fatalf("suspended key still served: %d %s", status, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := call(t, "GET", base+"/metrics", "", "")
		if strings.Contains(string(body), "cardvault_key_suspensions_total 1") &&
			strings.Contains(string(body), "cardvault_rate_limited_requests_total 2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics do not count the suspension and the two refusals")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
