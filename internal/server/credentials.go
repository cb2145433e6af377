package server

import (
	"net/http"
	"strings"
)

// Credential returns the API key a request carries, from the first of:
// x-api-key, api-key, Authorization "Bearer KEY", Authorization
// "api-key=KEY" (Hyperswitch), or HTTP Basic with the key as password.
func Credential(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	if k := r.Header.Get("Api-Key"); k != "" {
		return k
	}
	auth := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	if k, ok := strings.CutPrefix(auth, "api-key="); ok {
		return strings.TrimSpace(k)
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return pass
	}
	return ""
}
