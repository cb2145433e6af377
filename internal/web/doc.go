// Package web renders the vault's browser pages: the hosted card capture
// form and its error page, with every asset embedded in the binary and a
// strict Content-Security-Policy whose nonce is fresh for each response.
package web
