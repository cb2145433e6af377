// Package client is a Go client for cardvault's native API (/cardvault/v1):
// cards, their reveal, and API keys. Every call takes a context first;
// every API error is an *Error carrying the API's code and request id.
//
//	c := client.New("https://vault.internal:8080", os.Getenv("CARDVAULT_API_KEY"))
//	card, err := c.CreateCard(ctx, client.CardInput{Number: "4111111111111111", Expiry: "12/30"})
//
// The package depends on the standard library only.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Prefix is where the native API lives below the base URL.
const Prefix = "/cardvault/v1"

// maxResponse bounds how much of a response body the client reads.
const maxResponse = 8 << 20

// Client calls one vault with one API key. It is safe for concurrent use.
type Client struct {
	base string
	key  string
	http *http.Client
}

// Option changes how New builds a Client.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with hc (for TLS
// settings, timeouts or a proxy). The default is http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// New returns a client of the vault at baseURL (scheme and host, such as
// "https://vault.internal:8080") authenticating with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{base: strings.TrimSuffix(baseURL, "/"), key: apiKey, http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// do sends one request and decodes a 2xx JSON answer into out (when not
// nil); any other answer becomes an *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("cardvault: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+Prefix+path, body)
	if err != nil {
		return fmt.Errorf("cardvault: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cardvault: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("cardvault: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apiError(resp, raw)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("cardvault: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// escape makes an id safe as one path segment.
func escape(id string) string { return url.PathEscape(id) }
