package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// bench --serve-fixtures prints fixtures with which every request of
// bench/wrk.sh answers 2xx, and serves the provider and the relay until it
// is interrupted.
func TestBenchServeFixturesAnswer2xx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"bench", "--serve-fixtures"}, envOf(), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	env := readFixtures(t, pr)
	go io.Copy(io.Discard, pr) // nothing more is expected; never block the writer

	for _, name := range []string{"VAULT_URL", "API_KEY", "PROVIDER_URL", "RELAY_URL", "CARD_ID", "PCI_TOKEN", "PCIVAULT_REVEAL_PATH"} {
		if env[name] == "" {
			t.Fatalf("no %s in the fixtures: %v", name, env)
		}
	}
	vault, key := env["VAULT_URL"], env["API_KEY"]
	json := "application/json"
	check := func(what, method, url, body, want string, headers ...string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 || !strings.Contains(string(b), want) {
			t.Errorf("%s: status %d, want 2xx with %q: %.300s", what, resp.StatusCode, want, b)
		}
	}
	check("healthz", "GET", vault+"/healthz", "", "")
	check("tokenize", "POST", vault+env["TOKENIZE_PATH"], env["TOKENIZE_BODY"], `"id"`, "x-api-key", key, "content-type", json)
	check("native reveal", "GET", vault+env["REVEAL_PATH"], "", "4111111111111111", "x-api-key", key)
	check("PCI Vault reveal", "GET", vault+env["PCIVAULT_REVEAL_PATH"], "", "4111111111111111", "x-api-key", key)
	check("forward", "POST", vault+env["FORWARD_PATH"], env["FORWARD_BODY"], "pay_bench",
		"x-api-key", key, "x-destination-url", env["PROVIDER_URL"], "content-type", json, "idempotency-key", "bench")
	check("bare relay", "POST", env["RELAY_URL"], env["DIRECT_BODY"], "pay_bench", "content-type", json, "idempotency-key", "bench")
	check("provider", "POST", env["PROVIDER_URL"], env["DIRECT_BODY"], "pay_bench", "content-type", json, "idempotency-key", "bench")
	paths, secrets := strings.Fields(env["CAPTURE_PATHS"]), strings.Fields(env["CAPTURE_SECRETS"])
	if len(paths) == 0 || len(paths) != len(secrets) {
		t.Fatalf("capture endpoints: %d paths, %d secrets", len(paths), len(secrets))
	}
	for i := range paths {
		check("capture", "POST", vault+paths[i]+"?reference=wrk-test", `{"card_number":"5555555555554444","card_expiry":"12/2039"}`, "",
			"content-type", "text/plain;charset=UTF-8", "x-pcivault-capture-secret", secrets[i])
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("bench --serve-fixtures ended with %v", err)
	}
}

// readFixtures reads NAME='value' lines up to READY=1 and unquotes them.
func readFixtures(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "READY=1" {
			return env
		}
		name, quoted, ok := strings.Cut(line, "=")
		if !ok || len(quoted) < 2 || quoted[0] != '\'' || quoted[len(quoted)-1] != '\'' {
			t.Fatalf("not a NAME='value' line: %q", line)
		}
		env[name] = strings.ReplaceAll(quoted[1:len(quoted)-1], `'\''`, "'")
	}
	t.Fatalf("the fixtures ended without READY=1 (%v): %v", sc.Err(), env)
	return nil
}
