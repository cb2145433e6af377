package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/cardvault/cardvault/internal/forward"
)

// Relay sends a rendered request to an allow-listed destination;
// *forward.Relay is one.
type Relay interface {
	Do(ctx context.Context, req forward.Request) (*forward.Response, error)
}

// MaxTokenLen caps a provider token.
const MaxTokenLen = 512

// maxReasonLen caps the provider's own error message in a Reason.
const maxReasonLen = 200

// Result is a provider token and how the call went.
type Result struct {
	Token     string
	Connector string
	// Host is the provider's host, for the audit log.
	Host string
	// Status is the provider's HTTP status.
	Status  int
	Latency time.Duration
}

// ErrorKind names, in a fixed word, why a provider gave no token. Unlike
// Reason it never holds provider text, so it may be stored in the clear.
type ErrorKind string

// The kinds of Error.
const (
	// KindUnknownConnector: no connector with the id is configured.
	KindUnknownConnector ErrorKind = "unknown_connector"
	// KindTemplate: the card lacks what the template needs (a security code).
	KindTemplate ErrorKind = "template"
	// KindRefused: the relay refused the destination or the request.
	KindRefused ErrorKind = "refused"
	// KindUnreachable: no complete answer came back (connection, timeout).
	KindUnreachable ErrorKind = "unreachable"
	// KindProviderStatus: the provider answered a non-2xx status.
	KindProviderStatus ErrorKind = "provider_status"
	// KindNotJSON: the provider's 2xx answer is not JSON.
	KindNotJSON ErrorKind = "not_json"
	// KindNoToken: the provider's answer has no usable token at the pointer.
	KindNoToken ErrorKind = "no_token"
)

// Error says why a provider gave no token. Reason is safe to show to the
// client and to log: it never holds card data, and provider text in it has
// digit runs masked; it may still hold the provider's own words, so store
// it only sealed. Kind and Status hold no provider text. Err is the cause,
// for the server log only.
type Error struct {
	Connector string
	// Kind says in a fixed word why there is no token.
	Kind ErrorKind
	// Status is the provider's HTTP status, or 0 when none came back.
	Status int
	Reason string
	Err    error
}

// Error returns "connector ID: REASON".
func (e *Error) Error() string { return "connector " + e.Connector + ": " + e.Reason }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Tokenizer asks providers for tokens through a set's connectors. A nil
// *Tokenizer has no connectors.
type Tokenizer struct {
	set   *Set
	relay Relay
}

// New returns a Tokenizer over set (nil: no connectors) that sends through relay.
func New(set *Set, relay Relay) *Tokenizer { return &Tokenizer{set: set, relay: relay} }

// Has reports whether a connector with this id is configured.
func (t *Tokenizer) Has(id string) bool { return t != nil && t.set.get(id) != nil }

// Tokenize sends card c to the provider of connector id and returns the
// provider's token. Every failure is an *Error: unknown connector, a
// template needing what the card lacks (such as a security code that is
// not held), a refused or failed relay, a non-2xx answer, or no token at
// the connector's pointer.
func (t *Tokenizer) Tokenize(ctx context.Context, id string, c forward.Card) (Result, error) {
	var conn *Connector
	if t != nil {
		conn = t.set.get(id)
	}
	if conn == nil {
		return Result{}, &Error{Connector: id, Kind: KindUnknownConnector, Reason: "no such connector is configured"}
	}
	body, err := conn.body.Render(conn.contentType, forward.Values(syntax, []forward.Card{c}))
	if err != nil {
		return Result{}, &Error{Connector: id, Kind: KindTemplate, Reason: "the connector's template cannot be filled: " + err.Error(), Err: err}
	}
	resp, err := t.relay.Do(ctx, forward.Request{Method: conn.method, URL: conn.url, Own: conn.header.Clone(),
		Body: body, Timeout: conn.timeout})
	var refused *forward.RefusedError
	var upstream *forward.UpstreamError
	switch {
	case errors.As(err, &refused):
		return Result{}, &Error{Connector: id, Kind: KindRefused, Reason: err.Error(), Err: err}
	case errors.As(err, &upstream):
		return Result{}, &Error{Connector: id, Kind: KindUnreachable, Reason: err.Error(), Err: err}
	case err != nil:
		return Result{}, &Error{Connector: id, Kind: KindUnreachable, Reason: "the provider could not be reached", Err: err}
	}
	res := Result{Connector: id, Host: conn.host, Status: resp.Status, Latency: resp.Latency}
	doc, jsonErr := decodeJSON(resp.Body)
	if resp.Status < 200 || resp.Status > 299 {
		return res, &Error{Connector: id, Kind: KindProviderStatus, Status: resp.Status,
			Reason: fmt.Sprintf("the provider answered HTTP %d", resp.Status) + conn.providerMessage(doc)}
	}
	if jsonErr != nil {
		return res, &Error{Connector: id, Kind: KindNotJSON, Status: resp.Status, Reason: "the provider's response is not JSON", Err: jsonErr}
	}
	token, ok := tokenAt(conn.token, doc)
	if !ok {
		return res, &Error{Connector: id, Kind: KindNoToken, Status: resp.Status,
			Reason: "the provider's response has no token at " + conn.token.String() + conn.providerMessage(doc)}
	}
	res.Token = token
	return res, nil
}

// decodeJSON decodes a response body, keeping numbers exact.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	return doc, err
}

// tokenAt reads a usable token at p: a non-empty string (or number) of at
// most MaxTokenLen printable ASCII characters.
func tokenAt(p Pointer, doc any) (string, bool) {
	v, ok := p.Find(doc)
	if !ok {
		return "", false
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	default:
		return "", false
	}
	if s == "" || len(s) > MaxTokenLen {
		return "", false
	}
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", false
		}
	}
	return s, true
}

// providerMessage returns ": MESSAGE" with the provider's error message at
// the connector's error pointer, made safe to show, or "".
func (c *Connector) providerMessage(doc any) string {
	if !c.hasErrMsg || doc == nil {
		return ""
	}
	v, ok := c.errMsg.Find(doc)
	s, isString := v.(string)
	if !ok || !isString {
		return ""
	}
	s = Sanitize(s)
	if s == "" {
		return ""
	}
	return ": " + s
}

// Sanitize makes provider text safe to show and log: control characters
// become spaces, every run of 3 or more digits (possibly broken by spaces
// or dashes) is masked (a card number or security code echoed back never
// shows), and the result is cut to 200 characters.
func Sanitize(s string) string {
	runes := []rune(strings.ToValidUTF8(s, "?"))
	for i, r := range runes {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			runes[i] = ' '
		}
	}
	out := make([]rune, 0, len(runes))
	for i := 0; i < len(runes); {
		if !unicode.IsDigit(runes[i]) {
			out = append(out, runes[i])
			i++
			continue
		}
		j, digits := i, 0
		for j < len(runes) && (unicode.IsDigit(runes[j]) || ((runes[j] == ' ' || runes[j] == '-') && j+1 < len(runes) && unicode.IsDigit(runes[j+1]))) {
			if unicode.IsDigit(runes[j]) {
				digits++
			}
			j++
		}
		if digits >= 3 {
			for k := i; k < j; k++ {
				if unicode.IsDigit(runes[k]) {
					out = append(out, '*')
				} else {
					out = append(out, runes[k])
				}
			}
		} else {
			out = append(out, runes[i:j]...)
		}
		i = j
	}
	if len(out) > maxReasonLen {
		out = append(out[:maxReasonLen-1], '…')
	}
	return strings.TrimSpace(string(out))
}
