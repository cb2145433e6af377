package hatest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
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
)

// apiKey is every test node's bootstrap admin key.
const apiKey = "ha-test-bootstrap-key-0123456789abcdefghij"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// vaultBinary builds cmd/cardvault once per test run and returns its path.
func vaultBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cardvault-ha-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cardvault")
		out, err := exec.Command("go", "build", "-o", binPath, "-ldflags", "-X main.version=hatest",
			"../../cmd/cardvault").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// masterKey returns a fresh master key in CARDVAULT_MASTER_KEY's form.
func masterKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// node is one vault process, restartable on the same address.
type node struct {
	name string
	addr string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	logs strings.Builder
	done chan error
}

// newNode prepares a vault node on a fresh loopback port; start runs it.
func newNode(t testing.TB, name string, env ...string) *node {
	t.Helper()
	n := &node{name: name, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), env: env}
	t.Cleanup(func() { n.kill() })
	return n
}

// URL is the node's base URL.
func (n *node) URL() string { return "http://" + n.addr }

// start runs the node's process (it does not wait for it to be ready).
func (n *node) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(vaultBinary(t), "serve", "--listen="+n.addr)
	cmd.Env = append(append(os.Environ(), "CARDVAULT_BOOTSTRAP_API_KEY="+apiKey, "CARDVAULT_FORWARD_DEFAULTS=off",
		// Load tests: one key and one address send far more than the default limits allow.
		"CARDVAULT_RATE_LIMIT=off", "CARDVAULT_RATE_LIMIT_IP=off", "CARDVAULT_RATE_LIMIT_CARD_WRITES=off"), n.env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); !strings.Contains(line, `"msg":"request"`) {
				n.mu.Lock()
				n.logs.WriteString(line + "\n")
				n.mu.Unlock()
			}
		}
		done <- cmd.Wait()
	}()
}

// Logs returns what the node logged, less the access log.
func (n *node) Logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

// waitReady waits until /readyz answers 200, failing if the process exits.
func (n *node) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if readyz(n) == http.StatusOK {
			return
		}
		select {
		case err := <-n.done:
			n.done <- err
			t.Fatalf("%s exited before it was ready: %v\n%s", n.name, err, n.Logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s: /readyz never answered 200\n%s", n.name, n.Logs())
}

// wait waits for the process to exit and returns its error.
func (n *node) wait(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case err := <-n.done:
		n.done <- err
		return err
	case <-time.After(within):
		t.Fatalf("%s did not exit within %s\n%s", n.name, within, n.Logs())
		return nil
	}
}

// signal sends sig to the process.
func (n *node) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// kill ends the process, if any, without ceremony.
func (n *node) kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
	}
}

// readyz returns the node's /readyz status, or 0 when it does not answer.
func readyz(n *node) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(n.URL() + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status     int
	body       string
	retryAfter string
	err        error
}

// do makes an authenticated request with the admin key.
func do(client *http.Client, method, url, body string, hdr ...string) answer {
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("X-Api-Key", apiKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After"), err: err}
}

// refused reports whether err is a refused connection: the one failure a
// load balancer retries on another node, since nothing was sent.
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// cardBody is a card the native API tokenizes.
const cardBody = `{"number":"4111111111111111","expiry":"12/2039"}`

// startNodes starts one node per name with env, all together (on an empty
// database they race to migrate it), and waits until every one is ready.
func startNodes(t testing.TB, env []string, names ...string) []*node {
	t.Helper()
	nodes := make([]*node, len(names))
	for i, name := range names {
		nodes[i] = newNode(t, name, env...)
		nodes[i].start(t)
	}
	for _, n := range nodes {
		n.waitReady(t)
	}
	return nodes
}
