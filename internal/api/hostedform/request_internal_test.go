package hostedform

import (
	"testing"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/web"
)

// FuzzParseCreate checks the create body parser on any input: it never
// panics, what it accepts can be embedded in a page, and its error
// messages never repeat anything that looks like a card number.
func FuzzParseCreate(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"success_callback":"ZnVuY3Rpb24oKXt9"}`,
		`{"field_options":{"cvv":{"visible":true,"validate":false},"card_number":{"visible":false}}}`,
		`{"field_options":{"4111111111111111":{"visible":true}}}`, `{"field_options":{"cvv":{"4111111111111111":true}}}`,
		`{"allowed_origins":["https://shop.example"],"title":"Pay"}`, `{"css_links":["x"]}`, `{"disable_luhn":true}`,
		`{"success_callback":"PHNjcmlwdD4="}`, `{"error_callback":"PC9zY3JpcHQ+"}`, `[]`, `{"a":1}`,
	} {
		f.Add([]byte(s), "pcd", "")
	}
	f.Fuzz(func(t *testing.T, raw []byte, formType, formID string) {
		in, err := parseCreate(raw, formType, formID)
		if err != nil {
			if msg := vault.AsError(err).Public; server.RedactDigits(msg) != msg {
				t.Fatalf("error repeats a card-number-like input: %q", msg)
			}
			return
		}
		for _, js := range []string{in.SuccessCallback, in.ErrorCallback} {
			if web.CheckScript(js) != nil || len(js) > forms.MaxFormScript {
				t.Fatalf("accepted a callback that cannot be embedded: %q", js)
			}
		}
	})
}
