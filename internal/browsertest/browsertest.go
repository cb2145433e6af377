// Package browsertest drives Debian's headless Chromium from Go tests with
// chromedp: one browser per test, a tab per step sequence, and helpers that
// fail the test on error. Tests skip without Chromium unless
// CARDVAULT_TEST_REQUIRE_BROWSER=1, which CI sets, makes them fail.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireEnv names the variable that makes a missing Chromium a failure.
const RequireEnv = "CARDVAULT_TEST_REQUIRE_BROWSER"

// tabDeadline bounds each tab, so a page that never gets where a test waits
// fails that test instead of hanging the run. It is a safety net, not an
// assertion: no step is expected to take long.
const tabDeadline = 90 * time.Second

// chromiumPath finds Debian's chromium (or another Chromium on PATH).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches headless Chromium with a fresh profile and the flags this
// closed network needs, and returns a context of the browser; each test
// opens its own tabs from it. The browser ends with the test. extra adds
// flags (see MapHosts).
func Start(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("chromium is not installed and %s=1 (apt-get install -y chromium)", RequireEnv)
		}
		t.Skipf("chromium is not installed; set %s=1 to fail instead of skipping", RequireEnv)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir())}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// MapHosts makes the browser resolve each host name to a loopback address
// and port ("mywebsite.com" → "127.0.0.1:4431"), so pages can use the names
// real sites use (https, default port) while tests serve them locally, and
// accept any certificate (httptest's TLS servers are self-signed).
func MapHosts(hosts map[string]string) []chromedp.ExecAllocatorOption {
	var rules []string
	for host, addr := range hosts {
		rules = append(rules, "MAP "+host+" "+addr)
	}
	slices.Sort(rules)
	return []chromedp.ExecAllocatorOption{chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("ignore-certificate-errors", true)}
}

// Tab opens a new tab that closes when the test ends.
func Tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	ctx, cancelDeadline := context.WithTimeout(ctx, tabDeadline)
	t.Cleanup(func() {
		cancelDeadline()
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// Do runs steps and fails the test on error.
func Do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression and returns its value.
func Eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Poll waits until expr is truthy and returns its value.
func Poll[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
	return v
}
