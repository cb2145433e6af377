package guardian

import (
	"net/http"
	"strconv"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
)

// cryptogramHeader names the single-use cryptogram reference a network
// token forward redeems.
const cryptogramHeader = "X-Cryptogram-Reference"

// sandboxHeader is "true" on the answer of a forward that sent a sandbox
// network token and cryptogram (never valid at a network); the provider's
// own header of that name is not passed on.
const sandboxHeader = "Cardvault-Sandbox"

// networkPlaceholders are the names a network token forward fills. Every
// value is a string unless piped through | unwrap; expiry month and year
// are numbers then.
var networkPlaceholders = map[string]bool{
	"number": true, "cryptogram": true, "eci": true, "dynamic_cvv": true,
	"expiry_month": true, "expiry_year": true, "expiration_month": true, "expiration_year": true,
	"network_token_id": true, "network_token_type": true, "scheme_reference": true,
}

// networkSyntax resolves the placeholders of a network token forward; all
// of them describe the one token.
func networkSyntax(name string) (forward.Ref, bool) {
	return forward.Ref{Field: forward.FieldNumber}, networkPlaceholders[name]
}

// networkForward redeems the x-cryptogram-reference of the token (once:
// a second forward with it is refused on every node) and relays the body
// with the token's DPAN, expiry, cryptogram and ECI injected:
// POST /api/network/tokens/{id}/forward. The reference is spent even when
// the destination then fails, as a network spends a cryptogram it has seen,
// but not when the relay refuses the destination before anything is sent.
func (a *API) networkForward(w http.ResponseWriter, r *http.Request) error {
	id, err := a.networkTokenID(r)
	if err != nil {
		return err
	}
	ref := r.Header.Get(cryptogramHeader)
	if ref == "" {
		return badRequest("x-cryptogram-reference", "x-cryptogram-reference is required: the cryptogram_reference of a cryptogram made with mode reference")
	}
	if err := checkUUID(ref, "x-cryptogram-reference"); err != nil {
		return err
	}
	return a.relayForward(w, r, id, func(body []byte, contentType string) ([]byte, error) {
		tpl, err := forward.Parse(body)
		if err != nil {
			return nil, err
		}
		if _, err := tpl.Check(networkSyntax, 1); err != nil {
			return nil, err
		}
		// A destination the relay refuses does not spend the reference.
		if _, err := a.relay.Prepare(r.Context(), forward.Request{Method: http.MethodPost, URL: r.Header.Get(destinationHeader)}); err != nil {
			return nil, err
		}
		// The use is audited before the reference is spent, naming it: the
		// audit chain is append-only and MACed, so a reference made usable
		// again by putting back an earlier copy of its record (database
		// write access) shows as a second use of the same reference.
		if err := a.record(r, "network_token.cryptogram.use", nil, id, ref); err != nil {
			return nil, err
		}
		red, err := a.network.Redeem(r.Context(), server.Principal(r).Tenant, id, ref, nil)
		if err != nil {
			return nil, networkError(err)
		}
		if red.Token.Sandbox || red.Cryptogram.Sandbox {
			// The body is the destination's, so a header says it.
			w.Header().Set(sandboxHeader, "true")
		}
		return tpl.Render(contentType, networkValues(red))
	})
}

// networkValues is the Lookup of a redeemed cryptogram and its token.
func networkValues(red networktokens.Redeemed) forward.Lookup {
	t, c := red.Token, red.Cryptogram
	return func(name string) (forward.Value, error) {
		switch name {
		case "number":
			return forward.Value{Text: t.DPAN.Digits()}, nil
		case "cryptogram":
			return forward.Value{Text: c.Value}, nil
		case "eci":
			return forward.Value{Text: c.ECI}, nil
		case "expiry_month", "expiration_month":
			return forward.Value{Text: t.Expiry.Month2(), Number: true}, nil
		case "expiry_year", "expiration_year":
			return forward.Value{Text: t.Expiry.Year4(), Number: true}, nil
		case "network_token_id":
			return forward.Value{Text: t.ID}, nil
		case "network_token_type":
			return forward.Value{Text: serviceType(t.Scheme)}, nil
		case "scheme_reference":
			return forward.Value{Text: t.ReferenceID}, nil
		case "dynamic_cvv":
			if c.DynamicCVV != "" {
				return forward.Value{Text: c.DynamicCVV}, nil
			}
			return forward.Value{}, &forward.TemplateError{Name: name, Reason: "the token service issued no dynamic CVV for this cryptogram"}
		}
		return forward.Value{}, &forward.TemplateError{Name: name, Reason: "unknown placeholder (" + strconv.Itoa(len(networkPlaceholders)) + " are known for network token forwards)"}
	}
}
