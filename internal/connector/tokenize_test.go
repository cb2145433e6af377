package connector_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
)

// provider is a loopback payment provider that records what it got.
type provider struct {
	*httptest.Server
	mu     sync.Mutex
	header http.Header
	body   string
}

// newProvider answers every request with status and body.
func newProvider(t *testing.T, status int, body string) *provider {
	p := &provider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.header, p.body = r.Header.Clone(), string(b)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(p.Close)
	return p
}

// got returns what the provider received.
func (p *provider) got() (http.Header, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.header, p.body
}

// tokenizer loads one connector aimed at target and a relay allowing allow.
func tokenizer(t *testing.T, target, allow string, over map[string]any) *connector.Tokenizer {
	t.Helper()
	over["url"] = target
	set, err := connector.Parse(file(valid(over)), env(map[string]string{"PSP_KEY": secretKey}))
	if err != nil {
		t.Fatal(err)
	}
	list, err := forward.ParseAllowlist(allow)
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(list, forward.Options{})
	t.Cleanup(relay.Close)
	return connector.New(set, relay)
}

// allowRule is the allowlist rule naming a loopback test server.
func allowRule(t *testing.T, srv *httptest.Server) string {
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + u.Host
}

func testCard(t *testing.T, cvc string) forward.Card {
	t.Helper()
	pan, err := card.ParsePAN("4111111111111111")
	if err != nil {
		t.Fatal(err)
	}
	c := forward.Card{PAN: pan, Holder: `Ann "Q" Lee`, Expiry: card.Expiry{Month: 7, Year: 2031}}
	if cvc != "" {
		if c.SecurityCode, err = card.ParseSecurityCode(cvc, card.Visa); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestTokenizeRoundTrip(t *testing.T) {
	for name, tc := range map[string]struct {
		contentType, body, wantBody string
	}{
		"json, Gr4vy and Guardian names": {"application/json",
			`{"pan":"{{ CARD_NUMBER_1 }}","m":"{{ expiry_month }}","y":{{ CARD_EXPIRATION_DATE_YYYY_1 }},"name":"{{ cardholder_name }}","cvc":"{{ security_code }}"}`,
			`{"pan":"4111111111111111","m":"07","y":2031,"name":"Ann \"Q\" Lee","cvc":"123"}`},
		"form": {"application/x-www-form-urlencoded",
			`card[number]={{ CARD_NUMBER_1 }}&card[exp_month]={{ CARD_EXPIRATION_DATE_MM_1 }}&name={{ CARD_HOLDER_NAME_1 }}`,
			`card[number]=4111111111111111&card[exp_month]=07&name=Ann+%22Q%22+Lee`},
	} {
		t.Run(name, func(t *testing.T) {
			p := newProvider(t, 200, `{"id":"pm_1Abc","object":"payment_method"}`)
			tok := tokenizer(t, p.URL+"/v1/tokens", allowRule(t, p.Server), map[string]any{"content_type": tc.contentType, "body": tc.body})
			if !tok.Has("psp") || tok.Has("other") {
				t.Error("Has is wrong")
			}
			res, err := tok.Tokenize(context.Background(), "psp", testCard(t, "123"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Token != "pm_1Abc" || res.Status != 200 || res.Connector != "psp" || res.Host != "127.0.0.1" {
				t.Errorf("result %+v", res)
			}
			h, body := p.got()
			if body != tc.wantBody {
				t.Errorf("provider got %s\nwant %s", body, tc.wantBody)
			}
			if h.Get("Authorization") != "Bearer "+secretKey || h.Get("Content-Type") != tc.contentType {
				t.Errorf("provider got headers %v", h)
			}
		})
	}
}

func TestTokenizeFailures(t *testing.T) {
	declined := newProvider(t, 402, `{"error":{"message":"Your card 4111 1111 1111 1111 (cvc 123) was declined.\n"}}`)
	noToken := newProvider(t, 200, `{"object":"payment_method"}`)
	numeric := newProvider(t, 200, `{"id":12345}`)
	notJSON := newProvider(t, 200, `<html>ok</html>`)
	badToken := newProvider(t, 200, `{"id":"has space"}`)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL, closedRule := closed.URL, allowRule(t, closed)
	closed.Close()
	// kinds is what each failure is stored as: a fixed word, no provider text.
	kinds := map[string]connector.ErrorKind{"declined": connector.KindProviderStatus, "no token": connector.KindNoToken,
		"not JSON": connector.KindNotJSON, "unusable": connector.KindNoToken, "not allowed": connector.KindRefused,
		"unreachable": connector.KindUnreachable, "no cvc held": connector.KindTemplate}
	for name, tc := range map[string]struct {
		target, allow string
		over          map[string]any
		cvc           string
		status        int
		want          string
	}{
		"declined": {declined.URL, allowRule(t, declined.Server), map[string]any{"error_pointer": "/error/message"}, "123", 402,
			"the provider answered HTTP 402: Your card **** **** **** **** (cvc ***) was declined."},
		"no token":      {noToken.URL, allowRule(t, noToken.Server), map[string]any{}, "123", 200, "no token at /id"},
		"not JSON":      {notJSON.URL, allowRule(t, notJSON.Server), map[string]any{}, "123", 200, "not JSON"},
		"unusable":      {badToken.URL, allowRule(t, badToken.Server), map[string]any{}, "123", 200, "no token at /id"},
		"not allowed":   {noToken.URL, "https://api.stripe.com", map[string]any{}, "123", 0, "refused"},
		"unreachable":   {closedURL, closedRule, map[string]any{}, "123", 0, "upstream connection failed"},
		"no cvc held":   {noToken.URL, allowRule(t, noToken.Server), map[string]any{"body": `{"c":"{{ security_code }}"}`}, "", 0, "no security code is held"},
		"numeric token": {numeric.URL, allowRule(t, numeric.Server), map[string]any{}, "123", 200, ""},
	} {
		t.Run(name, func(t *testing.T) {
			tok := tokenizer(t, tc.target, tc.allow, tc.over)
			res, err := tok.Tokenize(context.Background(), "psp", testCard(t, tc.cvc))
			if tc.want == "" {
				if err != nil || res.Token != "12345" {
					t.Fatalf("got %+v, %v", res, err)
				}
				return
			}
			var ce *connector.Error
			if !asConnectorError(err, &ce) {
				t.Fatalf("got %v, want a *connector.Error", err)
			}
			if !strings.Contains(ce.Reason, tc.want) || ce.Status != tc.status || ce.Connector != "psp" || ce.Kind != kinds[name] {
				t.Errorf("reason %q status %d kind %q, want %q %d %q", ce.Reason, ce.Status, ce.Kind, tc.want, tc.status, kinds[name])
			}
			for _, secret := range []string{"4111111111111111", "4111 1111", "123"} {
				if strings.Contains(ce.Error(), secret) {
					t.Errorf("the error shows %q: %v", secret, ce)
				}
			}
		})
	}
}

func asConnectorError(err error, target **connector.Error) bool {
	e, ok := err.(*connector.Error)
	*target = e
	return ok
}

func TestTokenizeUnknownConnector(t *testing.T) {
	var none *connector.Tokenizer
	if none.Has("psp") {
		t.Error("a nil tokenizer has a connector")
	}
	for _, tok := range []*connector.Tokenizer{none, connector.New(nil, nil)} {
		_, err := tok.Tokenize(context.Background(), "psp", testCard(t, ""))
		var ce *connector.Error
		if !asConnectorError(err, &ce) || !strings.Contains(ce.Reason, "no such connector") || ce.Kind != connector.KindUnknownConnector {
			t.Errorf("unknown connector: %v", err)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Card 4111111111111111 declined": "Card **************** declined",
		"cvc 123 wrong":                  "cvc *** wrong",
		"code 42, line\r\nbreak":         "code 42, line  break",
		"4111-1111-1111-1111":            "****-****-****-****",
		"ok":                             "ok",
		strings.Repeat("é", 300):         strings.Repeat("é", 199) + "…",
	} {
		if got := connector.Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
