package forward

import (
	"fmt"
	"github.com/cardvault/cardvault/internal/card"
	"strings"
)

// TemplateError reports a template that cannot be parsed or rendered: a
// malformed or unknown placeholder, an unknown filter, a card index beyond
// the cards given, a security code that is not held. Nothing was sent.
// Its message names the placeholder and the rule, never a card value, so it
// is safe to log and to show to the client (as a 400).
type TemplateError struct {
	// Name is the placeholder's name as written, or "" when the error is
	// not about one placeholder (for example an unclosed "{{").
	Name string
	// Offset is the byte offset of the placeholder's "{{" in the template.
	Offset int
	// Reason says which rule failed, such as "unknown placeholder".
	Reason string
	// Err is the lookup's own error, when a Lookup failed; nil otherwise.
	Err error
}

// Error returns "placeholder NAME at offset N: REASON". Long runs of digits
// in the name are masked.
func (e *TemplateError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("template at offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("placeholder %q at offset %d: %s", maskDigits(e.Name), e.Offset, e.Reason)
}

// Unwrap returns Err.
func (e *TemplateError) Unwrap() error { return e.Err }

// maskDigits replaces every run of more than four digits in s with '*', so
// an error message never repeats something that could be a card number.
func maskDigits(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run > 4 {
			b.WriteString(strings.Repeat("*", run))
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := range len(s) {
		if '0' <= s[i] && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

// RefusedError reports a forward that the relay refused before sending any
// byte: a destination no rule allows, an address in a special range, a
// malformed URL, method or header, or a body over the cap. Its message is
// safe to show to the client (as a 4xx); it names the host, never an
// address the host resolved to.
type RefusedError struct {
	// Host is the destination host as given, card numbers masked (see
	// SafeHost), or "" if the URL had none.
	Host string
	// Reason says why, such as "no allow rule matches".
	Reason string
}

// Error returns "forward refused: REASON" with the host when known. Card
// numbers in the host or reason are masked (card.MaskPANs), even in an
// error a caller built itself.
func (e *RefusedError) Error() string {
	if e.Host == "" {
		return card.MaskPANs("forward refused: " + e.Reason)
	}
	return card.MaskPANs(fmt.Sprintf("forward to %s refused: %s", e.Host, e.Reason))
}

// refused builds a *RefusedError whose Host and Reason are already masked,
// so that a card number written as a destination host (such as
// "5105105105105100.invalid") never reaches a log line or an audit detail
// through them.
func refused(host, format string, args ...any) *RefusedError {
	return &RefusedError{Host: SafeHost(host), Reason: card.MaskPANs(fmt.Sprintf(format, args...))}
}

// SafeHost returns host with every card number in it masked
// (card.MaskPANs): the form of a destination host fit for a log line, an
// error message or an audit detail. The relay's own errors already hold
// this form; facades use it for the hosts they log and audit themselves.
func SafeHost(host string) string { return card.MaskPANs(host) }

// maskedError wraps the cause of an *UpstreamError, which may quote the
// destination URL, so that its text never holds a card number. errors.Is
// and errors.As still see the cause.
type maskedError struct{ err error }

func (e maskedError) Error() string { return card.MaskPANs(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

// UpstreamKind classifies why no usable response came from the upstream.
type UpstreamKind string

// The kinds of UpstreamError.
const (
	// UpstreamTimeout: the forward's timeout passed before the response was read.
	UpstreamTimeout UpstreamKind = "timeout"
	// UpstreamConnect: the connection could not be made (refused, unreachable, DNS).
	UpstreamConnect UpstreamKind = "connect"
	// UpstreamTLS: the TLS handshake failed (untrusted or mismatched certificate, protocol).
	UpstreamTLS UpstreamKind = "tls"
	// UpstreamTooLarge: the response body was larger than the cap.
	UpstreamTooLarge UpstreamKind = "response_too_large"
	// UpstreamProtocol: the connection broke or the upstream spoke invalid HTTP.
	UpstreamProtocol UpstreamKind = "protocol"
	// UpstreamCanceled: the caller's context was canceled.
	UpstreamCanceled UpstreamKind = "canceled"
)

// UpstreamError reports that the request may have been sent but no complete
// response came back (Gr4vy's x-vault-forward-error case). Error returns a
// fixed text per Kind, safe to show to the client; Err holds the cause for
// the server's log (it may contain the destination URL).
type UpstreamError struct {
	Kind UpstreamKind
	// Host is the destination host, card numbers masked (see SafeHost).
	Host string
	// Err is the underlying error; its text has card numbers masked.
	Err error
}

// Error returns a short, fixed description of Kind.
func (e *UpstreamError) Error() string {
	switch e.Kind {
	case UpstreamTimeout:
		return "upstream timeout: no response within the forward timeout"
	case UpstreamConnect:
		return "upstream connection failed"
	case UpstreamTLS:
		return "upstream TLS handshake failed"
	case UpstreamTooLarge:
		return "upstream response body exceeds the size limit"
	case UpstreamCanceled:
		return "forward canceled"
	default:
		return "upstream connection broken or invalid HTTP response"
	}
}

// Unwrap returns Err.
func (e *UpstreamError) Unwrap() error { return e.Err }
