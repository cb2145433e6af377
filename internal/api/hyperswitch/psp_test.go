package hyperswitch_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// providerKey is the provider credential the connector file names as ${LOOP_KEY}.
const providerKey = "sk_loop_secret_value"

// provider is a loopback payment provider: it answers status and body and
// records the last request.
type provider struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	body   string
	got    url.Values
	auth   string
}

func newProvider(t *testing.T) *provider {
	p := &provider{status: 200, body: `{"id":"pm_psp_1","object":"payment_method"}`}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.got, _ = url.ParseQuery(string(b))
		p.auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.status)
		_, _ = io.WriteString(w, p.body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// answer sets the provider's next answers.
func (p *provider) answer(status int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.body = status, body
}

// last returns the form the provider got last and its Authorization header.
func (p *provider) last() (url.Values, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got, p.auth
}

// connectorsFor builds the operator's connectors: "loop" (a Stripe-style
// form call to the provider, allowed by an http:// rule naming it),
// "elsewhere" (a host no rule allows) and "down" (a closed port).
func connectorsFor(t *testing.T, p *provider) *connector.Tokenizer {
	t.Helper()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	spec := func(id, target string) map[string]any {
		return map[string]any{"id": id, "url": target, "method": "POST",
			"headers":      map[string]string{"Authorization": "Bearer ${LOOP_KEY}"},
			"content_type": "application/x-www-form-urlencoded",
			"body": "type=card&card[number]={{ CARD_NUMBER_1 }}&card[exp_month]={{ CARD_EXPIRATION_DATE_MM_1 }}" +
				"&card[exp_year]={{ CARD_EXPIRATION_DATE_YYYY_1 }}&card[cvc]={{ CARD_SECURITY_CODE_1 }}&billing_details[name]={{ CARD_HOLDER_NAME_1 }}",
			"token_pointer": "/id", "error_pointer": "/error/message"}
	}
	raw, err := json.Marshal(map[string]any{"connectors": []any{spec("loop", p.srv.URL+"/v1/payment_methods"),
		spec("elsewhere", "https://psp.invalid/v1/payment_methods"), spec("down", closedURL+"/v1/payment_methods")}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := connector.Parse(raw, func(k string) string {
		if k == "LOOP_KEY" {
			return providerKey
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := forward.ParseAllowlist("http://" + strings.TrimPrefix(p.srv.URL, "http://") + "," + "http://" + strings.TrimPrefix(closedURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	return connector.New(set, relay)
}

// psp is the psp_tokenization member for a connector.
func psp(connectorID string) string {
	return `, "psp_tokenization": {"tokenization_type": "multi_use", "connector_id": "` + connectorID + `"}`
}

func TestConnectorRoundTrip(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, connectorsFor(t, p))
	cus := e.newCustomer(t, "cus_1")
	// The seed's PSP example: subtype ach, the tokenization block.
	body := strings.Replace(seedPaymentMethod(cus, psp("loop")), `"payment_method_subtype": "credit"`, `"payment_method_subtype": "ach"`, 1)
	pm := e.must(t, "POST", "/v2/payment-methods", body)
	for path, want := range map[string]any{
		"connector_tokens.0.token": "pm_psp_1", "connector_tokens.0.connector_id": "loop", "connector_tokens.0.token_type": "multi_use",
		"connector_tokens.0.status": "active", "psp_tokenization.status": "succeeded", "psp_tokenization.connector_id": "loop",
		"payment_method_subtype": "ach",
	} {
		if got := at(pm, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	form, auth := p.last()
	if form.Get("card[number]") != seedPAN || form.Get("card[cvc]") != seedCVC || form.Get("card[exp_month]") != "10" ||
		form.Get("card[exp_year]") != "2035" || form.Get("billing_details[name]") != seedName || auth != "Bearer "+providerKey {
		t.Errorf("the provider got %v with %q", form, auth)
	}
	id := pm["id"].(string)
	if got := e.must(t, "GET", "/v2/payment-methods/"+id, ""); at(got, "connector_tokens.0.token") != "pm_psp_1" {
		t.Errorf("retrieve lost the token: %v", got)
	}
	list := e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", "")
	if at(list, "customer_payment_methods.0.psp_tokenization_enabled") != true {
		t.Errorf("list: %v", list)
	}

	// A second tokenization with the same connector replaces the token.
	p.answer(200, `{"id":"pm_psp_2"}`)
	again := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, psp("loop")))
	if again["id"] != id || at(again, "connector_tokens.0.token") != "pm_psp_2" || at(again, "connector_tokens.1") != nil {
		t.Errorf("second tokenization: %v", again)
	}

	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var audited int
	for _, en := range entries {
		if en.Action == "connector.tokenize" && en.Targets[0] == id && en.Detail["connector"] == "loop" {
			audited++
			if en.Detail["security_code"] != "true" {
				t.Errorf("the tokenization's audit event does not say a security code went: %v", en.Detail)
			}
		}
	}
	if audited != 2 {
		t.Errorf("%d tokenizations audited, want 2", audited)
	}
	e.AssertLogClean(t, seedPAN, providerKey, seedEmail, `"`+seedCVC+`"`)
}

func TestProviderFailureKeepsThePaymentMethod(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, connectorsFor(t, p))
	p.answer(402, `{"error":{"message":"Your card 4111111145551142 was declined."}}`)
	for _, tc := range []struct {
		name, connector, pan, want, kind string
		status                           float64
	}{
		{"declined", "loop", "4111111145551142", "the provider answered HTTP 402: Your card **************** was declined.", "provider_status", 402},
		{"not allowed", "elsewhere", "5555555555554444", "refused", "refused", 0},
		{"unreachable", "down", "4000056655665556", "upstream connection failed", "unreachable", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cus := e.newCustomer(t, "cus_"+strings.ReplaceAll(tc.name, " ", "_"))
			body := strings.Replace(seedPaymentMethod(cus, psp(tc.connector)), seedPAN, tc.pan, 1)
			pm := e.must(t, "POST", "/v2/payment-methods", body)
			msg, _ := at(pm, "psp_tokenization.error_message").(string)
			if at(pm, "psp_tokenization.status") != "failed" || !strings.Contains(msg, tc.want) || pm["connector_tokens"] != nil {
				t.Errorf("answered %v", pm)
			}
			if code, _ := at(pm, "psp_tokenization.connector_status_code").(float64); code != tc.status {
				t.Errorf("provider status %v, want %v", code, tc.status)
			}
			got := e.must(t, "GET", "/v2/payment-methods/"+pm["id"].(string), "")
			if at(got, "psp_tokenization.status") != "failed" || at(got, "payment_method_data.card.last4_digits") != tc.pan[12:] ||
				at(got, "psp_tokenization.error_message") != msg {
				t.Errorf("the saved payment method: %v", got)
			}
			// The clear part of the record keeps the status and the kind of
			// failure, never the provider's words (they are sealed).
			clear := storedPublic(t, e, pm["id"].(string))
			if at(clear, "psp.error_kind") != tc.kind || at(clear, "psp.connector_status_code") != anyStatus(tc.status) {
				t.Errorf("stored in the clear: %v", clear)
			}
			for _, text := range []string{"declined", "Your card", "allow", "upstream", "answered"} {
				if raw, _ := json.Marshal(clear); strings.Contains(string(raw), text) {
					t.Errorf("provider text %q stored in the clear: %s", text, raw)
				}
			}
		})
	}
	e.AssertLogClean(t, seedPAN, "5555555555554444", providerKey)
}

func TestTokenizationWithoutSecurityCodeSaysWhy(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, connectorsFor(t, p))
	cus := e.newCustomer(t, "cus_1")
	body := strings.Replace(seedPaymentMethod(cus, psp("loop")), `"card_cvc": "242"`, `"card_cvc": ""`, 1)
	pm := e.must(t, "POST", "/v2/payment-methods", body)
	if msg, _ := at(pm, "psp_tokenization.error_message").(string); !strings.Contains(msg, "no security code is held") {
		t.Errorf("answered %v", pm)
	}
	if form, _ := p.last(); form != nil {
		t.Errorf("the provider was called: %v", form)
	}
	// The card was read and the attempt audited, saying no code was held.
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var audited []map[string]string
	for _, en := range entries {
		if en.Action == "connector.tokenize" && en.Targets[0] == pm["id"] {
			audited = append(audited, en.Detail)
		}
	}
	if len(audited) != 1 || audited[0]["security_code"] != "false" {
		t.Errorf("audited %v, want one tokenization without a security code", audited)
	}
}

// storedPublic reads the public part of a payment method's record as the
// store holds it, opened.
func storedPublic(t *testing.T, e *env, id string) map[string]any {
	t.Helper()
	rec, err := e.Store.GetRecord(context.Background(), vault.KindPaymentMethod, id, e.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Vault.RecordPlaintext(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Public map[string]any `json:"public"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d.Public
}

// anyStatus is a provider status as a decoded JSON value reads: absent
// (nil) when zero.
func anyStatus(s float64) any {
	if s == 0 {
		return nil
	}
	return s
}
