package web

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// nonceRE is what a nonce may look like: at least 16 characters of the
// base64url alphabet, which sit in a header and an attribute unescaped.
var nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,}$`)

// originRE is a serialised origin, scheme://host[:port], with nothing that
// could end a CSP directive or a source list.
var originRE = regexp.MustCompile(`^https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?$`)

// Frame-ancestor sources other than serialised origins that Policy takes.
const (
	// Self is the page's own origin.
	Self = "'self'"
	// AnyHTTPS is every https origin (PCI Vault's default for its forms).
	AnyHTTPS = "https:"
)

// anyHTTPSFramers are the frame ancestors of a page that any https site may
// frame: those and the vault itself (which may be plain http on a laptop).
var anyHTTPSFramers = []string{Self, AnyHTTPS}

// framers returns the frame ancestors of a page: the allowed origins when
// there are any, else every https origin when anyHTTPS is set, else none
// (Policy's default, the vault itself). A page framed like PCI Vault's
// forms (anyHTTPS) keeps the vault itself among its framers when allowed
// narrows them, so that the operator console's live preview can frame it.
func framers(allowed []string, anyHTTPS bool) []string {
	switch {
	case len(allowed) == 0 && anyHTTPS:
		return anyHTTPSFramers
	case anyHTTPS && !slices.Contains(allowed, Self):
		return append([]string{Self}, allowed...)
	}
	return allowed
}

// Policy returns the Content-Security-Policy of a page: scripts and styles
// only with nonce, requests only to the vault itself, no form submission,
// no base URL, and framing only by frameAncestors (serialised origins such
// as https://shop.example, Self or AnyHTTPS) or, when there are none, by the
// vault itself.
func Policy(nonce string, frameAncestors []string) (string, error) {
	return policy(nonce, frameAncestors, nil, false)
}

// SandboxFlags are what a sandboxed page may still do (the tokens of its
// CSP sandbox directive): run script, fire its form's submit event, show
// alert() and open popups (which leave the sandbox) as a callback might,
// and navigate the top window after a click, as a cross-origin frame may
// anyway. allow-same-origin is never among them: the page gets an opaque
// origin of its own, so its script cannot reach the vault's other pages
// and frames, its cookies or its storage.
const SandboxFlags = "allow-scripts allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox " +
	"allow-top-navigation-by-user-activation"

// policy is Policy whose style-src also admits styleOrigins (https
// origins of style sheets the page links, from StyleOrigins), with a
// sandbox directive (SandboxFlags) before frame-ancestors when sandbox is
// set.
func policy(nonce string, frameAncestors, styleOrigins []string, sandbox bool) (string, error) {
	if !nonceRE.MatchString(nonce) {
		return "", errors.New("web: the nonce must be at least 16 base64url characters")
	}
	ancestors := Self
	if len(frameAncestors) > 0 {
		for _, o := range frameAncestors {
			if o != Self && o != AnyHTTPS && !originRE.MatchString(o) {
				return "", errors.New("web: a frame ancestor is not a serialised origin")
			}
		}
		ancestors = strings.Join(frameAncestors, " ")
	}
	n := "'nonce-" + nonce + "'"
	styles := n
	for _, o := range styleOrigins {
		if !strings.HasPrefix(o, "https://") || !originRE.MatchString(o) {
			return "", errors.New("web: a style origin is not an https origin")
		}
		styles += " " + o
	}
	p := "default-src 'none'; script-src " + n + "; style-src " + styles +
		"; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; "
	if sandbox {
		p += "sandbox " + SandboxFlags + "; "
	}
	return p + "frame-ancestors " + ancestors, nil
}

// setPageHeaders sets the headers every page carries: its policy, no
// referrer (the URL holds a secret until the script removes it), no
// caching, no MIME sniffing, and a Cross-Origin-Opener-Policy that keeps
// other windows from holding a reference to it. A sandboxed page keeps it
// too: Chromium shows a top-level page with both (tested).
func setPageHeaders(w http.ResponseWriter, policy string) {
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Content-Type", "text/html; charset=utf-8")
}
