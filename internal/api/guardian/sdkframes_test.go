package guardian_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// framePath is the path of a Web SDK frame with query q.
func framePath(q url.Values) string { return "/web/v3.11.0/iframe/?" + q.Encode() }

func TestSDKFieldFrame(t *testing.T) {
	e := newEnv(t, nil)
	for _, field := range []string{"card", "cardNumber", "cardExpirationDate", "cardExpirationMonth", "cardExpirationYear", "cardVerificationCode", "text"} {
		p := loadPage(t, e, framePath(url.Values{"field": {field}, "origin": {"https://shop.example"}}))
		if p.status != 200 || p.frameAncestors() != "https://shop.example" {
			t.Fatalf("%s: %d, frame-ancestors %q", field, p.status, p.frameAncestors())
		}
		if !strings.Contains(p.body, `"element":"`+field+`"`) || !strings.Contains(p.body, `"origin":"https://shop.example"`) {
			t.Errorf("%s: the page's configuration: %s", field, p.body)
		}
	}
	for name, q := range map[string]url.Values{
		"an unknown field":              {"field": {"iban"}, "origin": {"https://shop.example"}},
		"no origin":                     {"field": {"cardNumber"}},
		"an origin with a path":         {"field": {"cardNumber"}, "origin": {"https://shop.example/pay"}},
		"an origin not in normal form":  {"field": {"cardNumber"}, "origin": {"https://SHOP.example"}},
		"an origin that ends the CSP":   {"field": {"cardNumber"}, "origin": {"https://shop.example; script-src *"}},
		"a wildcard instead of origin":  {"field": {"cardNumber"}, "origin": {"*"}},
		"a coordinator with no session": {"type": {"coordinator"}, "origin": {"https://shop.example"}},
	} {
		p := loadPage(t, e, framePath(q))
		if p.status < 400 || strings.Contains(p.body, "<script") || p.frameAncestors() != "'self'" {
			t.Errorf("%s: %d, frame-ancestors %q, %s", name, p.status, p.frameAncestors(), p.body)
		}
	}
	for _, path := range []string{"/web/v2.0.0/iframe/?field=cardNumber&origin=https%3A%2F%2Fshop.example",
		"/web/v3.11.0/iframe/x?field=cardNumber&origin=https%3A%2F%2Fshop.example"} {
		if p := loadPage(t, e, path); p.status != 404 || strings.Contains(p.body, "<script") {
			t.Errorf("%s: %d %s", path, p.status, p.body)
		}
	}
}

func TestSDKCoordinatorFrame(t *testing.T) {
	e := newEnv(t, nil)
	id := formSession(t, e, "https://shop.example")
	q := url.Values{"type": {"coordinator"}, "sessionId": {id}, "apiBaseUrl": {e.URL}, "origin": {"https://shop.example"}}
	p := loadPage(t, e, framePath(q))
	if p.status != 200 || p.frameAncestors() != "https://shop.example" || !strings.Contains(p.body, `"sessionId":"`+id+`"`) {
		t.Fatalf("coordinator: %d, frame-ancestors %q", p.status, p.frameAncestors())
	}

	// Another origin, even one a sibling session allows, gets an error page
	// it cannot frame.
	formSession(t, e, "https://other.example")
	q.Set("origin", "https://other.example")
	if p := loadPage(t, e, framePath(q)); p.status != 403 || strings.Contains(p.body, id) || strings.Contains(p.body, "<script") || p.frameAncestors() != "'self'" {
		t.Errorf("another origin: %d %q %s", p.status, p.frameAncestors(), p.body)
	}

	// A session without origins serves no coordinator at all.
	bare := formSession(t, e)
	q.Set("sessionId", bare)
	q.Set("origin", "https://shop.example")
	if p := loadPage(t, e, framePath(q)); p.status != 403 || strings.Contains(p.body, "<script") {
		t.Errorf("a session without origins: %d %s", p.status, p.body)
	}

	// A completed session is gone.
	body := `{"action":"tokenize_card","result":{"account_number":"4111111111111111","expiry_month":12,"expiry_year":2039,"security_code":"123"}}`
	resp, b := e.Do(t, "POST", "/sessions/"+id+"/complete-action", body)
	if resp.StatusCode != 200 {
		t.Fatalf("complete: %d %s", resp.StatusCode, b)
	}
	q.Set("sessionId", id)
	if p := loadPage(t, e, framePath(q)); p.status != 410 || strings.Contains(p.body, "<script") || p.frameAncestors() != "'self'" {
		t.Errorf("a completed session: %d %q %s", p.status, p.frameAncestors(), p.body)
	}
	e.AssertLogClean(t, id)
}

// FuzzSDKFrameQuery checks that whatever query a frame is asked for, the
// answer is either a frame only the declared origin may frame or an error
// page with no script that only the vault may frame.
func FuzzSDKFrameQuery(f *testing.F) {
	f.Add("field=cardNumber&origin=https%3A%2F%2Fshop.example")
	f.Add("type=coordinator&sessionId=x&apiBaseUrl=https%3A%2F%2Fvault&origin=https%3A%2F%2Fshop.example")
	f.Add("field=text&origin=http%3A%2F%2F127.0.0.1%3A8080")
	f.Add("field=card&origin=https%3A%2F%2Fa.b%20c")
	e := newEnv(f, nil)
	f.Fuzz(func(t *testing.T, query string) {
		if strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == '#' || r >= 0x7f }) {
			return // not a query a browser sends as it is
		}
		resp, b := e.Do(t, "GET", "/web/v3.11.0/iframe/?"+query, "")
		csp := resp.Header.Get("Content-Security-Policy")
		_, ancestors, _ := strings.Cut(csp, "frame-ancestors ")
		q, _ := url.ParseQuery(query)
		switch {
		case resp.StatusCode == 200:
			if ancestors != q.Get("origin") || strings.ContainsAny(ancestors, " ;*'") {
				t.Fatalf("a frame for %q may be framed by %q", query, ancestors)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if ancestors != "'self'" || strings.Contains(string(b), "<script") {
				t.Fatalf("an error page for %q: %q %s", query, ancestors, b)
			}
		default:
			t.Fatalf("%q: status %d", query, resp.StatusCode)
		}
	})
}

func TestRefreshAllowedOrigins(t *testing.T) {
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	path := "/api/pci/tokens/" + tok.ID + "/security-code"
	for _, bad := range []string{`{"allowed_origins":"https://shop.example"}`, `{"allowed_origins":["https://shop.example/pay"]}`, `[1]`} {
		resp, b := e.Do(t, "POST", path, bad, "x-api-key", e.AdminKey)
		wantError(t, resp, b, 400)
	}
	resp, b := e.Do(t, "POST", path, `{"allowed_origins":["HTTPS://Shop.Example:443"]}`, "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	id := decodeSessionID(t, b)
	q := url.Values{"type": {"coordinator"}, "sessionId": {id}, "apiBaseUrl": {e.URL}, "origin": {"https://shop.example"}}
	if p := loadPage(t, e, framePath(q)); p.status != 200 || p.frameAncestors() != "https://shop.example" {
		t.Errorf("coordinator of a refresh: %d %q", p.status, p.frameAncestors())
	}
	if p := loadForm(t, e, id); p.status != 200 || p.frameAncestors() != "https://shop.example" {
		t.Errorf("form of a refresh: %d %q", p.status, p.frameAncestors())
	}
}

// decodeSessionID reads {"session_id"} from an answer.
func decodeSessionID(t testing.TB, b []byte) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || m["session_id"] == "" {
		t.Fatalf("no session id in %s", b)
	}
	return m["session_id"]
}
