package pcivault

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// tooLarge is the message for a body over PCI Vault's limit.
var tooLarge = fmt.Sprintf("request body is larger than %d bytes (256 KiB)", pv.MaxData)

// NextTokenHeader carries the cursor of the next page of a list; the caller
// sends it back as the next_token query parameter.
const NextTokenHeader = "X-PCIVault-Next-Token"

// maxLimit is the longest page a list returns.
const maxLimit = 1000

// readBody reads a request body of at most 256 KiB (PCI Vault's limit).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, pv.MaxData)
	raw, err := server.ReadBody(r)
	if vault.CodeOf(err) == vault.CodeTooLarge {
		return nil, vault.Invalid("body", "%s", tooLarge)
	}
	return raw, err
}

// page reads limit (1 to 1000, default 1000) and next_token.
func page(r *http.Request) (vault.Page, error) {
	q := r.URL.Query()
	p := vault.Page{After: q.Get("next_token"), Limit: maxLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, vault.Invalid("limit", "limit must be a positive whole number")
		}
		p.Limit = min(n, maxLimit)
	}
	return p, nil
}

// setNext announces the next page, if there is one.
func setNext(w http.ResponseWriter, next string) {
	if next != "" {
		w.Header().Set(NextTokenHeader, next)
	}
}

// parseBool reads a PCI Vault boolean parameter; def when absent.
func parseBool(r *http.Request, name string, def bool) (bool, error) {
	s := r.URL.Query().Get(name)
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "t", "true", "1", "yes":
		return true, nil
	case "f", "false", "0", "no":
		return false, nil
	}
	return false, vault.Invalid(name, "%s must be true or false", name)
}

// unsupported refuses PCI Vault options that cardvault does not implement,
// rather than ignoring them and answering something the caller did not ask
// for. The algorithm option is accepted only as "full", the default.
func unsupported(r *http.Request, names ...string) error {
	return unsupportedIn(r.URL.Query(), names...)
}

// unsupportedIn is unsupported on a query already parsed.
func unsupportedIn(q url.Values, names ...string) error {
	if a := q.Get("algorithm"); a != "" && a != "full" {
		return vault.Invalid("algorithm", "only the full tokenization algorithm is supported")
	}
	for _, n := range names {
		if q.Get(n) != "" {
			return vault.Invalid(n, "%s is not supported by this vault", n)
		}
	}
	return nil
}

// quoted renders caller input for an error message: card-number-like digit
// runs masked and at most 40 characters, quoted.
func quoted(s string) string {
	s = server.RedactDigits(s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
