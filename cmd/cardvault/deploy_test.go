package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deployFiles are the alert rules and dashboards whose metric names must
// be exported by the vault.
var deployFiles = []string{
	"../../deploy/prometheus/cardvault-alerts.yml",
	"../../deploy/grafana/cardvault-dashboard.json",
}

// metricName finds the vault's metric names in PromQL text.
var metricName = regexp.MustCompile(`\b(?:cardvault|go|process)_[a-z0-9_]+\b`)

// selector finds name{matchers} in PromQL text, and matcher the label names.
var (
	selector = regexp.MustCompile(`\b((?:cardvault|go|process)_[a-z0-9_]+)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`([a-z_]+)\s*(?:=~|!~|!=|=)`)
)

// scrapedLabels maps each exported series name (histogram parts included)
// to the label names its samples carry.
func scrapedLabels(t *testing.T, metricsURL string) map[string]map[string]bool {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		if labels, _, ok := strings.Cut(rest, "}"); ok {
			for _, m := range regexp.MustCompile(`([a-z_]+)="`).FindAllStringSubmatch(labels, -1) {
				out[name][m[1]] = true
			}
		}
	}
	return out
}

func TestDeployMetricNamesAreExported(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap,
		"CARDVAULT_FORWARD_ALLOW", "api.psp.example")
	addr, _ := runServe(t, ctx, env)
	// A data key rotation, run as operators run it (its own process; here
	// run beside the server on the same store), makes the rotation gauges
	// every node reads from the store appear.
	if err := run(ctx, []string{"rotate", "data", "--tenant", "default", "--settle=0"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("rotate data: %v", err)
	}
	// Traffic that makes the HTTP and store series appear.
	for _, path := range []string{"/cardvault/v1/cards", "/cardvault/v1/cards/card_missing"} {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("X-Api-Key", testBootstrap)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	exported := scrapedLabels(t, "http://"+addr+"/metrics")
	// Prometheus adds these to every series it scrapes.
	added := map[string]bool{"instance": true, "job": true}
	seen := 0
	for _, file := range deployFiles {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for _, name := range metricName.FindAllString(text, -1) {
			seen++
			if exported[name] == nil {
				t.Errorf("%s refers to %s, which the vault does not export", filepath.Base(file), name)
			}
		}
		for _, m := range selector.FindAllStringSubmatch(text, -1) {
			for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
				if exported[m[1]] != nil && !exported[m[1]][l[1]] && !added[l[1]] {
					t.Errorf("%s selects %s by label %q, which it does not carry", filepath.Base(file), m[1], l[1])
				}
			}
		}
	}
	if seen < 20 {
		t.Fatalf("found only %d metric references in %v; is the pattern still right?", seen, deployFiles)
	}
	if hosts := exported["cardvault_forward_requests_total"]; hosts == nil || !hosts["host"] {
		t.Error("forward series are not pre-initialised for the allowlist's hosts")
	}
}

// TestAlertRulesWithPromtool runs `promtool check rules` and the rules'
// unit tests; it skips without promtool unless CI demands it.
func TestAlertRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("promtool is not installed and CARDVAULT_TEST_REQUIRE_PROMTOOL=1 (apt-get install prometheus)")
		}
		t.Skip("promtool is not installed; set CARDVAULT_TEST_REQUIRE_PROMTOOL=1 to fail instead")
	}
	dir := "../../deploy/prometheus"
	for _, args := range [][]string{{"check", "rules", "cardvault-alerts.yml"}, {"test", "rules", "cardvault-alerts.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestServeMountsTheOpenAPIDocuments(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir()))
	for _, path := range []string{"/openapi/cardvault.json", "/openapi/gr4vy.json", "/openapi/guardian"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

func TestConsoleIsOffUnlessAskedFor(t *testing.T) {
	for _, c := range []struct {
		setting string
		want    int
	}{{"", http.StatusNotFound}, {"off", http.StatusNotFound}, {"on", http.StatusOK}} {
		ctx, cancel := context.WithCancel(context.Background())
		addr, done := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_CONSOLE", c.setting))
		resp, err := http.Get("http://" + addr + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("CARDVAULT_CONSOLE=%q: /console/login answered %d, want %d", c.setting, resp.StatusCode, c.want)
		}
		cancel()
		<-done
	}
}
