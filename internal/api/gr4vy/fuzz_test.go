package gr4vy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// assertSafeError fails if a public error message or field could carry a
// card number.
func assertSafeError(t *testing.T, err error) {
	t.Helper()
	e := vault.AsError(err)
	if e.Code != vault.CodeInvalid {
		t.Fatalf("bad input gave %v, want an invalid error", err)
	}
	if server.RedactDigits(e.Public) != e.Public {
		t.Fatalf("error message %q carries a card-number-like run", e.Public)
	}
}

func FuzzParseForwardHeaders(f *testing.F) {
	id1, id2 := "0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e", "0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0f"
	f.Add("https://api.psp.example/charges", "POST", id1+","+id2, "30", "", "Authorization", "Bearer x")
	f.Add("http://127.0.0.1:9000/x", "patch", id1, "", "true", "Content-Type", "application/json")
	f.Add("ftp://x", "GET", id1+","+id1, "0", "maybe", "X-Vault-Forward-Url", "x")
	f.Add("", "", "", "-1", "", "", "")
	f.Add("https://u:p@h/", "PUT", "4111111111111111", "99999999999999999999999", "false", "X-A", "4111111111111111")
	f.Add("%zz", "POST", " "+id1+" , "+id2+",", "1.5", "TRUE", "x-vault-forward-header-", "")
	f.Fuzz(func(t *testing.T, url, method, ids, timeout, dryRun, headerName, headerValue string) {
		h := http.Header{}
		for name, v := range map[string]string{hdrURL: url, hdrMethod: method, hdrPaymentMethods: ids, hdrTimeout: timeout, hdrDryRun: dryRun} {
			if v != "" {
				h.Set(name, v)
			}
		}
		if headerName != "" {
			h.Set(hdrHeaderPrefix+headerName, headerValue)
		}
		spec, err := parseForwardHeaders(h)
		if err != nil {
			assertSafeError(t, err)
			return
		}
		if spec.URL == "" || spec.Host == "" || !forwardMethods[spec.Method] {
			t.Fatalf("accepted %+v", spec)
		}
		if len(spec.IDs) < 1 || len(spec.IDs) > maxPaymentMethods {
			t.Fatalf("accepted %d ids", len(spec.IDs))
		}
		seen := map[string]bool{}
		for _, id := range spec.IDs {
			if u, err := uuid.Parse(id); err != nil || u.String() != id || seen[id] {
				t.Fatalf("accepted id %q (seen before: %v)", id, seen[id])
			}
			seen[id] = true
		}
		if spec.Timeout < 0 || spec.Timeout > maxTimeoutSeconds*1e9 || (spec.Timeout != 0 && spec.Timeout < 1e9) {
			t.Fatalf("accepted timeout %v", spec.Timeout)
		}
		for name := range spec.Header {
			if name == "" || strings.HasPrefix(name, hdrPrefix) {
				t.Fatalf("would pass on header %q", name)
			}
		}
	})
}

func FuzzCreateBody(f *testing.F) {
	f.Add(`{"method":"card","number":"4111111111111111","expiration_date":"12/39","security_code":"123","external_identifier":"x","card_type":"debit"}`)
	f.Add(`{"number":"378282246310005","expiration_date":"01/40","security_code":"1234"}`)
	f.Add(`{"number":"4111 1111 1111 1112","expiration_date":"13/39"}`)
	f.Add(`{"number":4111111111111111}`)
	f.Add(`{"number":"4111111111111111","expiration_date":"12/2039","buyer_id":null}`)
	f.Add(`{"method":"paypal"}`)
	f.Add(`[]`)
	f.Add(`{"4111111111111111":"x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req createRequest
		if err := server.DecodeBytes([]byte(body), &req, true); err != nil {
			// server.DecodeBytes quotes unknown keys; fail() redacts them.
			if e := vault.AsError(err); e.Code != vault.CodeInvalid {
				t.Fatalf("bad JSON gave %v", err)
			}
			return
		}
		in, err := parseCreate(req)
		if err != nil {
			assertSafeError(t, err)
			return
		}
		if in.PAN.IsZero() || in.Expiry.Month < 1 || in.Expiry.Month > 12 || len(in.Reference) > 4*maxExternalIdentifier {
			t.Fatalf("accepted %+v", in)
		}
		if !in.SecurityCode.IsZero() && len(in.SecurityCode.Digits()) != in.PAN.Scheme().SecurityCodeLen() {
			t.Fatalf("accepted a security code of the wrong length")
		}
	})
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor("0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e"))
	f.Add("ZXhhbXBsZTE")
	f.Add("!!")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := decodeCursor(s)
		if err != nil {
			assertSafeError(t, err)
			return
		}
		if u, err := uuid.Parse(id); err != nil || u.String() != id {
			t.Fatalf("cursor %q decoded to %q", s, id)
		}
		if again, err := decodeCursor(encodeCursor(id)); err != nil || again != id {
			t.Fatalf("cursor of %q does not round-trip", id)
		}
	})
}
