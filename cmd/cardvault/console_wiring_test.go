package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleWiresNetworkTokensAndWebhooks serves with the console on,
// signs in with the bootstrap key and finds the network tokens and
// webhooks pages backed by the vault's services, not the "not kept" page.
func TestConsoleWiresNetworkTokensAndWebhooks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_CONSOLE", "on",
		"CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap))
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, login := get("/console/login")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(login)
	if token == nil {
		t.Fatalf("login page:\n%s", login)
	}
	req, _ := http.NewRequest("POST", base+"/console/login", strings.NewReader(url.Values{"key": {testBootstrap}, "csrf": {token[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for path, want := range map[string]string{"/console/network-tokens": `id="network-tokens"`, "/console/webhooks": "No webhook endpoints"} {
		if status, page := get(path); status != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("%s: %d\n%s", path, status, page)
		}
	}
}
