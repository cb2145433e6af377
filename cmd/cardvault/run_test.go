package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vaulttest"
)

// envOf turns pairs into a getenv function.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// runServe starts run(serve) in the background and returns its address and
// a channel with run's result.
func runServe(t *testing.T, ctx context.Context, getenv func(string) string, args ...string) (string, <-chan error) {
	t.Helper()
	logs := &vaulttest.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen=127.0.0.1:0"}, args...), getenv, io.Discard, logs)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				return entry.Addr, done
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before listening: %v\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", logs)
	return "", nil
}

// callJSON sends a JSON request with an API key to a server runServe
// started and returns the status and the decoded answer ({"raw": body}
// when it is not a JSON object).
func callJSON(t *testing.T, addr, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("x-api-key", key)
	req.Header.Set("content-type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

const testBootstrap = "run-test-bootstrap-key-0123456789abcdef"

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap))

	// A request whose body is still arriving when shutdown starts.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/cardvault/v1/cards", pr)
	req.Header.Set("X-Api-Key", testBootstrap)
	req.Header.Set("Content-Type", "application/json")
	respc := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errc <- err
			return
		}
		respc <- resp
	}()
	if _, err := io.WriteString(pw, `{"number":"4111111111111111",`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server has the request
	cancel()                           // what SIGTERM does in main
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("new connections are still accepted during shutdown")
	}
	io.WriteString(pw, `"holder":"Late Arrival"}`)
	pw.Close()
	select {
	case resp := <-respc:
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("in-flight request answered %d, want 201", resp.StatusCode)
		}
	case err := <-errc:
		t.Fatalf("in-flight request failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never finished")
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after a clean shutdown", err)
	}
}

func TestServeHelpDocumentsEveryVariable(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"serve", "--help"}, envOf(), io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile("`(CARDVAULT_[A-Z0-9_]+)`").FindAllStringSubmatch(string(readme), -1)
	if len(vars) < 10 {
		t.Fatalf("README names only %d variables", len(vars))
	}
	for _, v := range vars {
		if strings.HasPrefix(v[1], "CARDVAULT_TEST_") {
			continue
		}
		if !strings.Contains(out.String(), v[1]) {
			t.Errorf("serve --help does not document %s (named in the README)", v[1])
		}
	}
	// And the other way: every variable serve --help lists has a README row.
	for _, v := range regexp.MustCompile(`env (CARDVAULT_[A-Z0-9_]+)`).FindAllStringSubmatch(out.String(), -1) {
		if !strings.Contains(string(readme), "| `"+v[1]+"`") && !strings.Contains(string(readme), ", `"+v[1]+"`") {
			t.Errorf("README has no configuration row for %s (listed by serve --help)", v[1])
		}
	}
}

func TestServeRefusesBadConfigAllAtOnce(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"serve", "--log-level=loud", "--max-body=1"}, envOf("CARDVAULT_BOOTSTRAP_API_KEY", "short"), io.Discard, &out)
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"log-level", "max-body", "bootstrap-api-key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestKeysCommands(t *testing.T) {
	ctx := context.Background()
	env := envOf("CARDVAULT_DATA_DIR", t.TempDir())
	var out strings.Builder
	if err := run(ctx, []string{"keys", "create", "--scopes=cards:read,forward", "--name=shop"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`id:\s+(\S+)`).FindStringSubmatch(out.String())
	secret := regexp.MustCompile(`secret:\s+(cvk_\S+)`).FindStringSubmatch(out.String())
	if id == nil || secret == nil || !strings.Contains(out.String(), "cards:read,forward") {
		t.Fatalf("keys create printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "list"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), id[1]) || strings.Contains(out.String(), secret[1]) {
		t.Fatalf("keys list printed:\n%s", out.String())
	}
	if err := run(ctx, []string{"keys", "create", "--scopes=root"}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown scope accepted")
	}
	if err := run(ctx, []string{"keys", "revoke", id[1]}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	run(ctx, []string{"keys", "list"}, env, &out, io.Discard)
	if !regexp.MustCompile(id[1] + `.*\d{4}-\d\d-\d\dT\S+\s*$`).MatchString(strings.TrimSpace(out.String())) {
		t.Fatalf("revoked key not shown as revoked:\n%s", out.String())
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := runServe(t, ctx, envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_TLS_CERT", certFile, "CARDVAULT_TLS_KEY", keyFile))
	certPEM, _ := os.ReadFile(certFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("https /healthz: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP served on the TLS port")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cardvault test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestServeRefusesBadOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("not,a,valid\nfile"), 0o600)
	for _, name := range []string{"CARDVAULT_BIN_TABLE", "CARDVAULT_CONNECTORS", "CARDVAULT_FORWARD_ALLOW"} {
		value := bad
		if name == "CARDVAULT_FORWARD_ALLOW" {
			value = "ftp://example.com"
		}
		err := run(context.Background(), []string{"serve", "--listen=127.0.0.1:0"},
			envOf("CARDVAULT_DATA_DIR", dir, name, value), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("serve started with a bad %s", name)
		}
	}
}

func TestAuditCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	env := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap)
	addr, done := runServe(t, ctx, env)
	status, body := call(t, "POST", "http://"+addr+"/cardvault/v1/cards", testBootstrap, `{"number":"4111111111111111"}`)
	var c struct{ ID string }
	if err := json.Unmarshal(body, &c); err != nil || status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	// The card's event, written with it as a pending event, is linked into
	// the chain while the vault runs (not only by the sweep or at stop).
	db, err := sql.Open("sqlite", filepath.Join(dir, "cardvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var linked int
		if err := db.QueryRow(`SELECT count(*) FROM records WHERE kind = 'audit'`).Scan(&linked); err == nil && linked == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the card.create event was not linked while the vault ran")
		}
	}
	for range 3 {
		call(t, "GET", "http://"+addr+"/cardvault/v1/cards/"+c.ID+"/reveal", testBootstrap, "")
	}
	cancel()
	<-done
	var out strings.Builder
	if err := run(context.Background(), []string{"audit", "verify"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// One card.create and three card.reveal events.
	if !strings.Contains(out.String(), "4 entries, every link verified") {
		t.Fatalf("audit verify printed %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "list"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), `"action":"card.reveal"`); n != 3 || strings.Count(out.String(), `"action":"card.create"`) != 1 ||
		strings.Contains(out.String(), "4111111111111111") {
		t.Fatalf("audit list printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "checkpoint"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	cpFile := filepath.Join(t.TempDir(), "checkpoint.json")
	os.WriteFile(cpFile, []byte(out.String()), 0o600)
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify", "--checkpoint", cpFile}, env, &out, io.Discard); err != nil {
		t.Fatalf("verify against a fresh checkpoint: %v\n%s", err, out.String())
	}
	forged := filepath.Join(t.TempDir(), "forged.json")
	cp, _ := os.ReadFile(cpFile)
	os.WriteFile(forged, []byte(strings.Replace(string(cp), `"seq": 4`, `"seq": 3`, 1)), 0o600)
	if err := run(context.Background(), []string{"audit", "verify", "--checkpoint=" + forged}, env, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "refused") {
		t.Fatalf("a forged checkpoint was accepted: %v", err)
	}

	// Cut the newest entry and point the head back, as sqlite3 would.
	var prev []byte
	if err := db.QueryRow(`SELECT data FROM records WHERE kind = 'audit' AND id LIKE '%/00000000000000000002'`).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	var e struct {
		Hash string `json:"hash"`
	}
	json.Unmarshal(prev, &e)
	db.Exec(`DELETE FROM records WHERE kind = 'audit' AND id LIKE '%/00000000000000000003'`)
	db.Exec(`UPDATE records SET data = ? WHERE kind = 'audit_head'`, []byte(`{"seq":2,"hash":"`+e.Hash+`"}`))
	for _, args := range [][]string{{"audit", "verify"}, {"audit", "verify", "--checkpoint", cpFile}} {
		out.Reset()
		err := run(context.Background(), args, env, &out, io.Discard)
		if err == nil || !strings.Contains(out.String(), "BROKEN") {
			t.Fatalf("%v after truncation: %v\n%s", args, err, out.String())
		}
	}
}
