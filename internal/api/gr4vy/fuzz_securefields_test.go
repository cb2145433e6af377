package gr4vy

import (
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/web"
)

// FuzzParseFrameQuery checks that whatever a frame's URL says, what the
// frames accept is a serialised https (or loopback http) origin, which
// goes into a CSP header and is the only target of their messages, a
// canonical session id and a known field type.
func FuzzParseFrameQuery(f *testing.F) {
	f.Add("parentOrigin=https://shop.example&type=number&font=Lato", false)
	f.Add("parentOrigin=http://localhost:8081&type=securityCode&paymentMethodScheme=amex", false)
	f.Add("parentOrigin=https://shop.example&sessionId=0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e&gr4vyId=acme&environment=sandbox", true)
	f.Add("parentOrigin=https://shop.example%0d%0a;script-src%20*&sessionId={0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e}", true)
	f.Add("parentOrigin=https://[::1]:8443&type=postalCode", false)
	f.Fuzz(func(t *testing.T, raw string, controller bool) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got, err := parseFrameQuery(q, controller)
		if err != nil {
			return
		}
		if norm, err := vault.ParseFormOrigin(got.parent); err != nil || norm != got.parent {
			t.Fatalf("accepted parent origin %q", got.parent)
		}
		if _, err := web.Policy(web.NewNonce(), []string{got.parent}); err != nil {
			t.Fatalf("parent origin %q cannot frame a page: %v", got.parent, err)
		}
		if controller {
			if id, err := uuid.Parse(got.session); err != nil || id.String() != got.session {
				t.Fatalf("accepted session id %q", got.session)
			}
			return
		}
		if !web.IsSecureFieldType(got.fieldType) {
			t.Fatalf("accepted field type %q", got.fieldType)
		}
	})
}
