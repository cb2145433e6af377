package native_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestWebhookRoutesRegisterSignAndRefuse(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	relay := vaulttest.Relay(t, rcv.URL)
	var hooks *webhooks.Service
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		hooks = webhooks.New(d.Vault, relay, d.Log, webhooks.Options{})
		d.Webhooks = hooks
		return []server.Facade{native.New(d)}
	}})
	doc := apidoctest.New(t, "cardvault")
	hookKey := e.Key(t, vault.ScopeWebhooks)
	vars := doc.Run(t, e.URL+native.Prefix, []apidoctest.Step{
		{Method: "POST", Path: "/webhooks", Body: `{"url":"https://evil.example.net/x"}`, Status: 400},
		{Method: "POST", Path: "/webhooks", Body: `{"url":"http://169.254.169.254/"}`, Status: 400},
		{Method: "POST", Path: "/webhooks", Body: `{"url":"` + rcv.URL + `/hook","events":["security_code.expired"],"description":"shop"}`,
			Status: 201, Save: map[string]string{"id": "id", "secret": "secret"}},
		{Method: "GET", Path: "/webhooks", Status: 200},
		{Method: "GET", Path: "/webhooks/{id}", Status: 200},
		{Method: "POST", Path: "/webhooks/{id}/ping", Status: 202},
		{Method: "GET", Path: "/webhooks/{id}/deliveries", Status: 200},
		{Method: "GET", Path: "/webhooks/00000000-0000-7000-8000-000000000000", Status: 404},
	}, "X-Api-Key", hookKey)
	doc.Run(t, e.URL+native.Prefix, []apidoctest.Step{
		{Method: "GET", Path: "/webhooks", Status: 403},
	}, "X-Api-Key", e.Key(t, vault.ScopeCardsWrite))

	// The refusal says why, in the native shape.
	resp, b := e.Do(t, "POST", native.Prefix+"/webhooks", `{"url":"https://evil.example.net/x"}`, "X-Api-Key", hookKey)
	vaulttest.WantStatus(t, resp, b, http.StatusBadRequest)
	if s := string(b); !strings.Contains(s, `"field":"url"`) || !strings.Contains(s, "no allow rule matches") {
		t.Fatalf("refusal: %s", b)
	}
	// The secret shows once.
	resp, b = e.Do(t, "GET", native.Prefix+"/webhooks/"+vars["id"], "", "X-Api-Key", hookKey)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	if strings.Contains(string(b), vars["secret"]) || strings.Contains(string(b), "secret") {
		t.Fatalf("the secret shows again: %s", b)
	}
	// The ping goes out signed with that secret.
	if n, err := hooks.DeliverDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	mu.Lock()
	r, body := got[0], bodies[0]
	mu.Unlock()
	if err := webhooks.Verify(vars["secret"], r.Header.Get("Cardvault-Signature"), body, time.Now(), 0); err != nil {
		t.Fatalf("signature: %v (%s)", err, r.Header.Get("Cardvault-Signature"))
	}
	if !strings.Contains(string(body), `"type":"webhook.ping"`) || r.Header.Get("Cardvault-Event-Type") != "webhook.ping" {
		t.Fatalf("ping body %s", body)
	}
	doc.Run(t, e.URL+native.Prefix, []apidoctest.Step{
		{Method: "GET", Path: "/webhooks/" + vars["id"] + "/deliveries", Status: 200},
		{Method: "DELETE", Path: "/webhooks/" + vars["id"], Status: 204},
		{Method: "DELETE", Path: "/webhooks/" + vars["id"], Status: 404},
	}, "X-Api-Key", e.AdminKey)
	resp, b = e.Do(t, "GET", native.Prefix+"/webhooks", "", "X-Api-Key", hookKey)
	if resp.StatusCode != 200 || strings.Contains(string(b), vars["id"]) {
		t.Fatalf("list after delete: %s", b)
	}
}
