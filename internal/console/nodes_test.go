package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSessionsWorkAcrossNodes signs in on one node and carries on on
// another over the same store, as behind a load balancer without sticky
// sessions: the session, its CSRF token and signing out are seen by both.
func TestSessionsWorkAcrossNodes(t *testing.T) {
	a := newEnv(t)
	b := newNode(t, a)
	onA := newBrowser(t, a)
	onA.signIn(a.AdminKey)
	// The same browser (same cookie jar) reaching the other node.
	onB := &browser{t: t, e: b, url: b.URL, c: onA.c}
	resp, page := onB.do("GET", "/console/keys", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the other node: %d, want the keys page", resp.StatusCode)
	}
	// A form of node A's page posts to node B with the same CSRF token.
	_, pageA := onA.do("GET", "/console/keys", nil)
	if csrf(t, pageA) != csrf(t, page) {
		t.Error("the nodes show different CSRF tokens for one session")
	}
	resp, created := onB.do("POST", "/console/keys", url.Values{"csrf": {csrf(t, pageA)}, "name": {"from-b"}, "scope": {"cards:read"}})
	if resp.StatusCode != http.StatusCreated || !strings.Contains(created, "from-b") {
		t.Fatalf("create a key on the other node: %d", resp.StatusCode)
	}
	// Signing out on B ends the session on A too.
	if resp, _ := onB.do("POST", "/console/logout", url.Values{"csrf": {csrf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := onA.do("GET", "/console/keys", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("node A after signing out on B: %d, want a redirect to sign in", resp.StatusCode)
	}
	// A new browser signed in on A, expired on the shared clock, is
	// refused as expired on B.
	again := newBrowser(t, a)
	again.signIn(a.AdminKey)
	a.Clock.Advance(31 * time.Minute)
	if resp, page := (&browser{t: t, e: b, url: b.URL, c: again.c}).do("GET", "/console/keys", nil); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "expired") {
		t.Errorf("an expired session on the other node: %d", resp.StatusCode)
	}
}
