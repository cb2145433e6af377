package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/cardvault/cardvault/client"
)

// Target is a vault to load: its base URL, an API key and the client to use.
type Target struct {
	URL    string
	Key    string
	Client *http.Client
}

// do sends one request and fails on any status other than want.
func (t Target) do(ctx context.Context, method, path string, body []byte, want int, headers ...string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Api-Key", t.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d: %.200s", method, req.URL.Path, resp.StatusCode, b)
	}
	return b, nil
}

// testPANs are published test numbers, so a benchmark never handles real cards.
var testPANs = []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3566002020360505"}

// native is the Go client of the target's native API.
func (t Target) native() *client.Client {
	return client.New(t.URL, t.Key, client.WithHTTPClient(t.Client))
}

// Tokenize stores a card per call through the native API.
func Tokenize(t Target) Op {
	c := t.native()
	return func(ctx context.Context, w, i int) error {
		_, err := c.CreateCard(ctx, client.CardInput{Number: testPANs[(w+i)%len(testPANs)], Expiry: "12/2039", Holder: "Bench " + strconv.Itoa(w)})
		return err
	}
}

// CreateCards stores n cards and returns their ids, for read scenarios.
func CreateCards(ctx context.Context, t Target, n int) ([]string, error) {
	c := t.native()
	ids := make([]string, 0, n)
	for i := range n {
		pan, code := testPANs[i%len(testPANs)], "123"
		if len(pan) == 15 { // american express
			code = "1234"
		}
		card, err := c.CreateCard(ctx, client.CardInput{Number: pan, Expiry: "12/2039", SecurityCode: code})
		if err != nil {
			return nil, err
		}
		ids = append(ids, card.ID)
	}
	return ids, nil
}

// Reveal reads a card with its number per call, cycling through ids.
func Reveal(t Target, ids []string) Op {
	c := t.native()
	return func(ctx context.Context, w, i int) error {
		_, err := c.RevealCard(ctx, ids[(w*7919+i)%len(ids)])
		return err
	}
}

// forwardTemplate is the body the forward scenarios send: a typical
// authorisation request with five placeholders.
const forwardTemplate = `{"amount":1299,"currency":"EUR","reference":"bench-order","source":{"type":"card",` +
	`"number":"{{ CARD_NUMBER_1 }}","expiry_month":{{ CARD_EXPIRATION_DATE_MM_1 }},` +
	`"expiry_year":{{ CARD_EXPIRATION_DATE_YYYY_1 }},"name":"{{ CARD_HOLDER_NAME_1 }}",` +
	`"cvc":"{{ CARD_SECURITY_CODE_1 }}"},"capture":true,"metadata":{"channel":"web","attempt":1}}`

// directBody is forwardTemplate as the vault renders it for a test card.
const directBody = `{"amount":1299,"currency":"EUR","reference":"bench-order","source":{"type":"card",` +
	`"number":"4111111111111111","expiry_month":12,"expiry_year":2039,"name":"Bench",` +
	`"cvc":"123"},"capture":true,"metadata":{"channel":"web","attempt":1}}`

// Forward relays a request with injected card data through the vault's
// Gr4vy Vault Forward endpoint to upstream (a URL the vault allows); the
// security code comes from the checkout session, as Gr4vy's does.
func Forward(t Target, cardID, session, upstream string) Op {
	return func(ctx context.Context, w, i int) error {
		_, err := t.do(ctx, http.MethodPost, "/vault-forward", []byte(forwardTemplate), http.StatusOK,
			"X-Vault-Forward-Url", upstream, "X-Vault-Forward-Http-Method", "POST",
			"X-Vault-Forward-Payment-Methods", cardID, "X-Vault-Forward-Checkout-Session", session,
			"X-Vault-Forward-Header-Idempotency-Key", "bench")
		return err
	}
}

// Direct sends the rendered body straight to upstream: the baseline that
// Forward is compared with.
func Direct(client *http.Client, upstream string) Op {
	return func(ctx context.Context, w, i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, upstream, bytes.NewReader([]byte(directBody)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "bench")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("direct: status %d", resp.StatusCode)
		}
		return nil
	}
}

// CreateForwardCard stores the card the forward scenario injects and a
// Gr4vy checkout session (live for 24 hours) holding its security code,
// and returns both ids.
func CreateForwardCard(ctx context.Context, t Target) (cardID, session string, err error) {
	c, err := t.native().CreateCard(ctx, client.CardInput{Number: "4111111111111111", Expiry: "12/2039", Holder: "Bench"})
	if err != nil {
		return "", "", err
	}
	// The checkout session is Gr4vy's, outside the native API.
	b, err := t.do(ctx, http.MethodPost, "/checkout/sessions", []byte(`{"expires_in":86400}`), http.StatusCreated)
	if err != nil {
		return "", "", err
	}
	var s struct{ ID string }
	if err := json.Unmarshal(b, &s); err != nil {
		return "", "", err
	}
	_, err = t.do(ctx, http.MethodPut, "/checkout/sessions/"+s.ID+"/fields",
		[]byte(`{"payment_method":{"method":"id","id":"`+c.ID+`","security_code":"123"}}`), http.StatusNoContent)
	return c.ID, s.ID, err
}

// Upstream is a loopback payment provider that answers every request with
// a small JSON body, for the forward scenarios.
func Upstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"pay_bench","status":"authorized","amount":1299}`)
	})
}
