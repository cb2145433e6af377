package guardian

import "net/http"

// baseURL is the scheme and host of the vault's absolute links (a list's
// links.next, a session's base_url): the configured public URL; else, only
// when the operator opted in, the request's Host; else the address the
// request arrived on. The Host header is a client's word, so a link built
// on it unasked could point a shopper's browser at another server.
func (a *API) baseURL(r *http.Request) string { return a.links.Base(r) }
