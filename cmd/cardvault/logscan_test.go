package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// Card data sent through every route; none of it may reach the log.
const (
	scanPAN  = "4000056655665556"
	scanCode = "9876"
)

// wildcard matches a path wildcard of a route pattern.
var wildcard = regexp.MustCompile(`\{[^}]+\}`)

func TestAccessLogNeverHoldsCardData(t *testing.T) {
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		fs, _, err := facades(deps{vault: d.Vault, audit: d.Audit, log: d.Log, networkTokens: d.NetworkTokens}, config.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}})
	spaced := "4000 0566 5566 5556"
	body := `{"number":"` + scanPAN + `","card_number":"` + spaced + `","account_number":"` + scanPAN +
		`","n":"` + scanPAN + `","security_code":"` + scanCode + `","cvv":"` + scanCode + `","cvc":"` + scanCode +
		`","expiry":"12/2039","source":{"type":"pan","account_number":"` + scanPAN + `","security_code":"` + scanCode + `"},` +
		// Fields kept in the clear, where a number must be refused, not stored.
		`"reference":"` + scanPAN + `","metadata":{"note":"` + spaced + `"},"external_identifier":"` + scanPAN +
		`","merchant_reference_id":"` + scanPAN + `"}`
	query := "?number=" + scanPAN + "&card_number=" + scanPAN + "&cvv=" + scanCode + "&passphrase=" + scanPAN
	patterns := e.Server.Patterns()
	if len(patterns) < 5 {
		t.Fatalf("only %d routes registered", len(patterns))
	}
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok { // a pattern for every method
			method, path = http.MethodPost, p
		}
		path = wildcard.ReplaceAllString(path, scanPAN)
		for _, key := range []string{e.AdminKey, "", scanPAN} {
			e.Do(t, method, path+query, body, "X-Api-Key", key, "X-Request-Id", scanPAN,
				"X-Card", scanPAN, "X-PCIVault-Capture-Secret", scanPAN)
		}
		// And with the number in the path as well as spaced.
		e.Do(t, method, strings.ReplaceAll(path, scanPAN, "4000-0566-5566-5556")+query, body, "X-Api-Key", e.AdminKey)
	}
	e.Do(t, http.MethodGet, "/no/such/"+scanPAN+query, body)
	// Well-formed requests that store a card, with the number also put in
	// fields kept in the clear.
	e.Do(t, http.MethodPost, "/cardvault/v1/cards", `{"number":"4111111111111111","reference":"`+scanPAN+`"}`, "X-Api-Key", e.AdminKey)
	e.Do(t, http.MethodPost, "/cardvault/v1/cards", `{"number":"4111111111111111","metadata":{"note":"`+spaced+`"}}`, "X-Api-Key", e.AdminKey)

	log := e.Log.String()
	if strings.Count(log, `"msg":"request"`) < len(patterns)*3 {
		t.Fatalf("the access log has fewer lines than requests sent:\n%s", log)
	}
	for _, leak := range []string{scanPAN, spaced, "4000-0566-5566-5556", `"` + scanCode + `"`, "=" + scanCode, ":" + scanCode} {
		if strings.Contains(log, leak) {
			t.Errorf("log holds %q", leak)
		}
	}
	metrics := metricsText(t, e)
	if strings.Contains(metrics, scanPAN) || strings.Contains(metrics, "400005******5556") {
		t.Error("metrics hold card data")
	}
	// Nor does the database hold the number in the clear anywhere (cards,
	// records, audit rows, the WAL): only sealed, so never as text.
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(e.Path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, leak := range []string{scanPAN, spaced, "4000-0566-5566-5556", "4000\\u0020"} {
			if strings.Contains(string(raw), leak) {
				t.Errorf("database file cardvault.db%s holds %q in the clear", suffix, leak)
			}
		}
	}
}

// metricsText scrapes /metrics.
func metricsText(t *testing.T, e *vaulttest.Env) string {
	t.Helper()
	resp, body := e.Do(t, http.MethodGet, "/metrics", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "cardvault_http_requests_total") {
		t.Fatalf("/metrics: %d\n%s", resp.StatusCode, body)
	}
	return string(body)
}
