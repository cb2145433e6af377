package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cardvault/cardvault/client"
)

// buildBinary compiles cardvault once per test into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cardvault")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running cardvault binary.
type process struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lockedBuffer
	done   chan error
}

// startBinary runs the binary with env and waits until it logs its address.
func startBinary(t *testing.T, bin string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen=127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.WriteLine(line)
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				addrc <- entry.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case p.addr = <-addrc:
		return p
	case err := <-p.done:
		t.Fatalf("cardvault exited before listening: %v\n%s", err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("cardvault did not start\n%s", p.stderr)
	}
	return nil
}

// waitReady polls /readyz until it answers 200.
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/readyz never answered 200\n%s", p.stderr)
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("cardvault exited with %v after SIGTERM\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("cardvault did not stop after SIGTERM\n%s", p.stderr)
	}
}

// call makes an authenticated request and returns status and body.
func call(t *testing.T, method, url, key, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestSmokeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	const bootstrap = "smoke-test-bootstrap-key-0123456789abcdef"
	env := []string{"CARDVAULT_DATA_DIR=" + dataDir, "CARDVAULT_BOOTSTRAP_API_KEY=" + bootstrap, "CARDVAULT_DATABASE_URL="}

	p := startBinary(t, bin, env...)
	p.waitReady(t)
	// The black-box test speaks to the binary through the Go client, as a
	// merchant's Go code would.
	ctx := context.Background()
	created, err := client.New("http://"+p.addr, bootstrap).CreateCard(ctx,
		client.CardInput{Number: "4111 1111 1111 1111", Expiry: "12/2039", Holder: "Ada Lovelace"})
	if err != nil || created.ID == "" {
		t.Fatalf("create card: %+v %v", created, err)
	}
	_, err = client.New("http://"+p.addr, "").ListCards(ctx, client.Page{})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Code != client.CodeUnauthorized || apiErr.RequestID == "" {
		t.Fatalf("unauthenticated list: %v, want a typed 401 with a request id", err)
	}
	p.stop(t)
	if !strings.Contains(p.stderr.String(), "created one in the data directory") {
		t.Errorf("no warning about the generated master key in the log:\n%s", p.stderr)
	}
	info, err := os.Stat(filepath.Join(dataDir, masterKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}

	// Same data dir, same key: the card is still there.
	p = startBinary(t, bin, env...)
	p.waitReady(t)
	revealed, err := client.New("http://"+p.addr, bootstrap).RevealCard(ctx, created.ID)
	if err != nil || revealed.Number.Digits() != "4111111111111111" {
		t.Fatalf("reveal after restart: %s %v", revealed.Number, err)
	}
	p.stop(t)

	// A wrong master key is refused before serving.
	wrong := exec.Command(bin, "serve", "--listen=127.0.0.1:0")
	wrong.Env = append(os.Environ(), append(env, "CARDVAULT_MASTER_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")...)
	out, err := wrong.CombinedOutput()
	if err == nil {
		t.Fatalf("started with a wrong master key:\n%s", out)
	}
	if !strings.Contains(string(out), "master key does not match") {
		t.Fatalf("wrong master key refused without a clear message:\n%s", out)
	}
}

func TestSmokePostgresNeedsMasterKey(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--listen=127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CARDVAULT_DATABASE_URL=postgres://nobody@127.0.0.1:1/none", "CARDVAULT_MASTER_KEY=", "CARDVAULT_MASTER_KEY_FILE=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "PostgreSQL needs a master key") {
		t.Fatalf("PostgreSQL without a master key: err %v\n%s", err, out)
	}
}

// lockedBuffer collects a child's log lines from one goroutine for another.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// WriteLine appends one line.
func (b *lockedBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s + "\n")
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
