package forward

import (
	"fmt"
	"log/slog"
)

// Value is what one placeholder renders to. It holds card data in the
// clear, so it redacts itself: String, GoString, Format (every verb),
// LogValue and MarshalJSON all yield "[redacted]". Read Text only to render.
type Value struct {
	// Text is the value as text, for example "4111111111111111" or "07".
	Text string
	// Number marks a value whose native type is an integer (expiry month and
	// year). Where JSON needs a bare value (a placeholder outside a JSON
	// string, or "{{ x | unwrap }}" filling a whole string) it is written as
	// a JSON number without leading zeros; other values stay JSON strings.
	Number bool
}

// Lookup returns the value of the placeholder called name. It returns an
// error (ideally a *TemplateError) for an unknown name or a value that is
// not available; Render stops at the first error and returns no bytes.
type Lookup func(name string) (Value, error)

const redactedValue = "[redacted]"

// String returns "[redacted]".
func (Value) String() string { return redactedValue }

// GoString returns "[redacted]".
func (Value) GoString() string { return redactedValue }

// Format writes "[redacted]" for every verb.
func (Value) Format(f fmt.State, _ rune) { fmt.Fprint(f, redactedValue) }

// LogValue returns "[redacted]".
func (Value) LogValue() slog.Value { return slog.StringValue(redactedValue) }

// MarshalJSON returns the JSON string "[redacted]".
func (Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedValue + `"`), nil }
