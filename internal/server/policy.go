package server

import "net/http"

// DefaultPolicy is the Content-Security-Policy of every answer whose handler
// set none: API answers and the providers' answers that a forward or proxy
// relays. Such an answer is data, never a page of the vault's origin, so a
// browser that is made to open one (an HTML error page a provider echoes
// tenant input into, say) renders it in an opaque origin with nothing
// allowed to load or run. The vault's own pages (hosted forms, the SDK
// frames, the console, the API docs) set their own nonce-based policies.
const DefaultPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox"

// defaultPolicy fills in DefaultPolicy and nosniff where the handler left
// them unset; it runs once, when the answer's header is written.
func defaultPolicy(h http.Header) {
	if _, ok := h["Content-Security-Policy"]; !ok {
		h["Content-Security-Policy"] = []string{DefaultPolicy}
	}
	if _, ok := h["X-Content-Type-Options"]; !ok {
		h["X-Content-Type-Options"] = []string{"nosniff"}
	}
}
