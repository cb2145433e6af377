package guardian_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// sdkState is the SDK's SessionStateDTO as @starfish-codes/hellgate reads it.
type sdkState struct {
	NextAction *string        `json:"next_action"`
	Status     string         `json:"status"`
	Data       map[string]any `json:"data"`
}

// startSession makes a tokenize session through the merchant API.
func startSession(t *testing.T, e *vaulttest.Env, body string) string {
	t.Helper()
	resp, b := e.Do(t, "POST", "/api/pci/tokens", body, "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 {
		t.Fatalf("create session: %d %s", resp.StatusCode, b)
	}
	m := vaulttest.Decode[map[string]any](t, b)
	id, _ := m["session_id"].(string)
	// Guardian types session_id as a UUID: a random version 4 one.
	if u, err := uuid.Parse(id); len(m) != 1 || err != nil || u.String() != id || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("session create answered %s, want a version 4 UUID session_id", b)
	}
	return id
}

// browserState reads the session as the SDK does: no API key, an Origin.
func browserState(t *testing.T, e *vaulttest.Env, id string) (*http.Response, []byte) {
	t.Helper()
	resp, b := e.Do(t, "GET", "/sessions/"+id, "", "Origin", "https://shop.example")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("GET /sessions CORS headers: %v", resp.Header)
	}
	return resp, b
}

// sessionKey returns the JWK of a pending session and checks the state's shape.
func sessionKey(t *testing.T, e *vaulttest.Env, id, action string) (map[string]any, sdkState) {
	t.Helper()
	resp, b := browserState(t, e, id)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /sessions: %d %s", resp.StatusCode, b)
	}
	st := vaulttest.Decode[sdkState](t, b)
	if st.NextAction == nil || *st.NextAction != action {
		t.Fatalf("state %s, want next_action %s", b, action)
	}
	key, _ := st.Data["jwk"].(map[string]any)
	if key["kty"] != "EC" || key["crv"] != "P-256" || key["x"] == "" || key["y"] == "" || key["d"] != nil {
		t.Fatalf("jwk %v", key)
	}
	return key, st
}

// complete posts a complete-action as the SDK does.
func complete(t testing.TB, e *vaulttest.Env, id, body string) (*http.Response, []byte) {
	t.Helper()
	resp, b := e.Do(t, "POST", "/sessions/"+id+"/complete-action", body, "Origin", "https://shop.example")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("complete-action without CORS header: %d %s", resp.StatusCode, b)
	}
	return resp, b
}

// cardJSON is the SDK's CardTokenizeData.
const cardJSON = `{"account_number":"4111111111111111","expiry_month":7,"expiry_year":2031,"security_code":"321","cardholder_name":"Grace Hopper","additional_data":{"billing_address":{}}}`

// tokenizeAction wraps an enc_payload into the SDK's action body.
func tokenizeAction(payload string) string {
	return `{"action":"tokenize_card","result":{"enc_payload":"` + payload + `"}}`
}

func TestSessionTokenizeFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := startSession(t, e, `{"source":{"type":"session"},"metadata":{"cart":"c-9"},"expires_in":3600}`)

	key, st := sessionKey(t, e, id, "tokenize_card")
	if st.Data["provider"] != "guardian" || st.Data["base_url"] != e.URL || st.Data["api_key"] != "" {
		t.Errorf("tokenize_card data %v", st.Data)
	}
	// CORS preflight for the JSON POST the SDK makes.
	resp, b := e.Do(t, "OPTIONS", "/sessions/"+id+"/complete-action", "", "Origin", "https://shop.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v %s", resp.StatusCode, h, b)
	}

	// The merchant sees it pending.
	resp, b = e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != 200 || m["status"] != "pending" || m["purpose"] != "tokenize" || m["token_id"] != nil {
		t.Fatalf("merchant view: %d %s", resp.StatusCode, b)
	}

	resp, b = complete(t, e, id, tokenizeAction(encryptJWE(t, key, []byte(cardJSON), jweOptions{})))
	if resp.StatusCode != 200 {
		t.Fatalf("complete-action: %d %s", resp.StatusCode, b)
	}
	done := vaulttest.Decode[sdkState](t, b)
	tokenID, _ := done.Data["token_id"].(string)
	if !strings.Contains(string(b), `"next_action":null`) || done.Status != "success" || tokenID == "" {
		t.Fatalf("final state %s", b)
	}

	// The token exists with the session's metadata and lifetime, and its code is held.
	resp, b = e.Do(t, "GET", "/api/pci/tokens/"+tokenID, "", "x-api-key", e.AdminKey)
	tok := vaulttest.Decode[token](t, b)
	if resp.StatusCode != 200 || tok.Card.Masked != "411111******1111" || tok.Card.CardholderName != "Grace Hopper" ||
		tok.Card.ExpiryMonth != 7 || tok.Metadata["cart"] != "c-9" || tok.ExpiresAt == "" {
		t.Fatalf("token from session: %s", b)
	}
	_, b = e.Do(t, "GET", "/api/pci/tokens/"+tokenID+"/security-code", "", "x-api-key", e.AdminKey)
	if !strings.Contains(string(b), "true") {
		t.Errorf("security code from the session not held: %s", b)
	}

	// The merchant reads the outcome; another tenant cannot.
	_, b = e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); m["status"] != "completed" || m["token_id"] != tokenID || m["completed_at"] == nil {
		t.Fatalf("merchant view after completion: %s", b)
	}
	resp, b = e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.TenantKey(t, "acme"))
	wantError(t, resp, b, http.StatusNotFound)

	// Single use: a second completion is refused and creates nothing.
	resp, b = complete(t, e, id, tokenizeAction(encryptJWE(t, key, []byte(cardJSON), jweOptions{})))
	wantError(t, resp, b, http.StatusConflict, "cannot be used again")
	// The SDK reloading the page still sees the result.
	resp, b = browserState(t, e, id)
	if st := vaulttest.Decode[sdkState](t, b); resp.StatusCode != 200 || st.NextAction != nil || st.Status != "success" || st.Data["token_id"] != tokenID {
		t.Fatalf("state after completion: %s", b)
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 1 {
		t.Fatalf("%d cards after a reused session", len(cards))
	}
	e.AssertLogClean(t, pan, `"321"`, id)
}

func TestSessionJWEVariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, o := range []jweOptions{{"ECDH-ES", "A128GCM"}, {"ECDH-ES", "A256GCM"}, {"ECDH-ES+A256KW", "A256GCM"}, {"ECDH-ES+A256KW", "A128GCM"}} {
		t.Run(o.alg+"/"+o.enc, func(t *testing.T) {
			id := startSession(t, e, `{"source":{"type":"session"}}`)
			key, _ := sessionKey(t, e, id, "tokenize_card")
			resp, b := complete(t, e, id, tokenizeAction(encryptJWE(t, key, []byte(cardJSON), o)))
			if resp.StatusCode != 200 || !strings.Contains(string(b), "token_id") {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
		})
	}
	t.Run("clear card fields (cardvault extension)", func(t *testing.T) {
		id := startSession(t, e, `{"source":{}}`) // type defaults to session
		resp, b := complete(t, e, id, `{"action":"tokenize_card","result":`+cardJSON+`}`)
		if resp.StatusCode != 200 || !strings.Contains(string(b), "token_id") {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("holder in additional_data, ephemeral token", func(t *testing.T) {
		id := startSession(t, e, `{"source":{"type":"session"}}`)
		resp, b := complete(t, e, id, `{"action":"tokenize_card","result":{"account_number":"5555555555554444","expiry_month":1,"expiry_year":2035,"security_code":"999","ephemeral":true,"additional_data":{"cardholder_name":"Ann Lee"}}}`)
		st := vaulttest.Decode[sdkState](t, b)
		_, b = e.Do(t, "GET", "/api/pci/tokens/"+st.Data["token_id"].(string), "", "x-api-key", e.AdminKey)
		if tok := vaulttest.Decode[token](t, b); resp.StatusCode != 200 || tok.Card.CardholderName != "Ann Lee" || tok.ExpiresAt == "" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

func TestSessionRejectsBadCompletions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	other := startSession(t, e, `{"source":{"type":"session"}}`)
	otherKey, _ := sessionKey(t, e, other, "tokenize_card")
	luhn := []byte(strings.Replace(cardJSON, "4111111111111111", "4111111111111112", 1))
	for name, tc := range map[string]struct {
		body   func(key map[string]any) string
		status int
		want   string
	}{
		"wrong action": {func(map[string]any) string { return `{"action":"refresh_security_code","result":{}}` }, 400, "tokenize_card"},
		"token id result": {func(map[string]any) string {
			return `{"action":"tokenize_card","result":{"token_id":"8744c9ea-a02b-4ae6-875c-b64fc333e3ef"}}`
		}, 400, "enc_payload"},
		"no result":   {func(map[string]any) string { return `{"action":"tokenize_card"}` }, 400, "result is required"},
		"garbage jwe": {func(map[string]any) string { return tokenizeAction("a.b.c.d.e") }, 400, "can decrypt"},
		"jwe to another key": {func(map[string]any) string {
			return tokenizeAction(encryptJWE(t, otherKey, []byte(cardJSON), jweOptions{}))
		}, 400, "can decrypt"},
		"luhn inside the jwe": {func(key map[string]any) string { return tokenizeAction(encryptJWE(t, key, luhn, jweOptions{})) }, 400, "Luhn"},
	} {
		t.Run(name, func(t *testing.T) {
			id := startSession(t, e, `{"source":{"type":"session"}}`)
			key, _ := sessionKey(t, e, id, "tokenize_card")
			resp, b := complete(t, e, id, tc.body(key))
			wantError(t, resp, b, tc.status, tc.want)
		})
	}
	id := startSession(t, e, `{"source":{"type":"session"}}`)
	key, _ := sessionKey(t, e, id, "tokenize_card")
	// Undecryptable or invalid card data counts as a failed attempt; after
	// MaxSessionAttempts the session fails for good.
	for range sessions.MaxAttempts {
		complete(t, e, id, tokenizeAction("x.y.z.w.v"))
	}
	resp, b := browserState(t, e, id)
	if st := vaulttest.Decode[sdkState](t, b); resp.StatusCode != 200 || st.NextAction != nil || st.Status != "failure" {
		t.Fatalf("state after too many attempts: %s", b)
	}
	resp, b = complete(t, e, id, tokenizeAction(encryptJWE(t, key, []byte(cardJSON), jweOptions{})))
	wantError(t, resp, b, http.StatusConflict, "cannot be used again")
	for _, bad := range []string{"short", strings.Repeat("A", 42) + "!", strings.Repeat("A", 43),
		"8744c9ea-a02b-1ae6-875c-b64fc333e3ef", uuid.NewString(), "{" + uuid.NewString() + "}"} {
		resp, b := e.Do(t, "GET", "/sessions/"+bad, "")
		wantError(t, resp, b, http.StatusNotFound)
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 0 {
		t.Fatalf("%d cards after rejected completions", len(cards))
	}
	e.AssertLogClean(t, pan, "4111111111111112", id, other)
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := startSession(t, e, `{"source":{"type":"session"}}`)
	key, _ := sessionKey(t, e, id, "tokenize_card")
	e.Clock.Advance(sessions.DefaultTTL)
	resp, b := browserState(t, e, id)
	wantError(t, resp, b, http.StatusNotFound, "expired")
	resp, b = complete(t, e, id, tokenizeAction(encryptJWE(t, key, []byte(cardJSON), jweOptions{})))
	wantError(t, resp, b, http.StatusNotFound, "expired")
	resp, b = e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != 200 || m["status"] != "expired" {
		t.Fatalf("merchant view of an expired session: %s", b)
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 0 {
		t.Fatal("an expired session stored a card")
	}
	// A day later the session is gone from the store altogether.
	e.Clock.Advance(25 * time.Hour)
	if _, err := e.Vault.CleanExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rs, _ := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindSession, Page: vault.Page{Limit: 10}}, time.Time{}); len(rs) != 0 {
		t.Fatalf("%d session records left", len(rs))
	}
}

func TestConcurrentCompletionsOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := startSession(t, e, `{"source":{"type":"session"}}`)
	key, _ := sessionKey(t, e, id, "tokenize_card")
	const n = 8
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = tokenizeAction(encryptJWE(t, key, []byte(cardJSON), jweOptions{}))
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, _ := complete(t, e, id, bodies[i])
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("a completion answered %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("%d completions won: %v", won, statuses)
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 1 {
		t.Fatalf("%d cards from one session", len(cards))
	}
}

func TestSessionIDsStayOutOfLogsAndStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := startSession(t, e, `{"source":{"type":"session"}}`)
	browserState(t, e, id)
	e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	for _, m := range []string{"OPTIONS", "PUT", "DELETE"} {
		for _, path := range []string{"/sessions/" + id, "/sessions/" + id + "/complete-action", "/sessions/" + id + "/other", "/api/sessions/" + id} {
			resp, b := e.Do(t, m, path, "")
			if m != "OPTIONS" || strings.HasPrefix(path, "/api") {
				wantError(t, resp, b, map[bool]int{true: 404, false: 405}[strings.HasSuffix(path, "/other")])
			}
		}
	}
	e.AssertLogClean(t, id)
	if !strings.Contains(e.Log.String(), "/sessions/{session_id}") {
		t.Fatalf("access log does not show the redacted session path:\n%s", e.Log.String())
	}
	rs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindSession, Page: vault.Page{Limit: 10}}, time.Time{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d records, %v", len(rs), err)
	}
	raw, _ := json.Marshal(rs[0])
	if strings.Contains(string(raw), id) || rs[0].ID == id {
		t.Fatal("the store holds the session id itself, not only its hash")
	}
}

// TestSessionIDIsAUUID: session_id is a random version 4 UUID (seed 003
// types it uuid), unique per session, and found whatever the letter case a
// client writes it in.
func TestSessionIDIsAUUID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a := startSession(t, e, `{"source":{"type":"session"}}`)
	b := startSession(t, e, `{"source":{"type":"session"}}`)
	if a == b {
		t.Fatalf("two sessions share the id %s", a)
	}
	if resp, body := browserState(t, e, strings.ToUpper(a)); resp.StatusCode != http.StatusOK {
		t.Fatalf("upper-case session id: %d %s", resp.StatusCode, body)
	}
}
