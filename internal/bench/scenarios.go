package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
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
		return nil, fmt.Errorf("%s %s: status %d", method, path, resp.StatusCode)
	}
	return b, nil
}

// testPANs are published test numbers, so a benchmark never handles real cards.
var testPANs = []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3566002020360505"}

// Tokenize stores a card per call through the native API.
func Tokenize(t Target) Op {
	return func(ctx context.Context, w, i int) error {
		body := `{"number":"` + testPANs[(w+i)%len(testPANs)] + `","expiry":"12/2039","holder":"Bench ` + strconv.Itoa(w) + `"}`
		_, err := t.do(ctx, http.MethodPost, "/cardvault/v1/cards", []byte(body), http.StatusCreated)
		return err
	}
}

// CreateCards stores n cards and returns their ids, for read scenarios.
func CreateCards(ctx context.Context, t Target, n int) ([]string, error) {
	ids := make([]string, 0, n)
	for i := range n {
		pan, code := testPANs[i%len(testPANs)], "123"
		if len(pan) == 15 { // american express
			code = "1234"
		}
		body := `{"number":"` + pan + `","expiry":"12/2039","security_code":"` + code + `"}`
		b, err := t.do(ctx, http.MethodPost, "/cardvault/v1/cards", []byte(body), http.StatusCreated)
		if err != nil {
			return nil, err
		}
		var c struct{ ID string }
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, err
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// Reveal reads a card with its number per call, cycling through ids.
func Reveal(t Target, ids []string) Op {
	return func(ctx context.Context, w, i int) error {
		_, err := t.do(ctx, http.MethodGet, "/cardvault/v1/cards/"+ids[(w*7919+i)%len(ids)]+"/reveal", nil, http.StatusOK)
		return err
	}
}
