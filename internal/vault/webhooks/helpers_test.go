package webhooks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// db is one database that several nodes open, each with its own
// connection and vault service, sharing the master key and one clock.
type db struct {
	open  func(t *testing.T) closingStore
	key   []byte
	clock *vaulttest.Clock
}

// closingStore is a store that can be closed, as a dying node's is.
type closingStore interface {
	vault.Store
	Close() error
}

// node is one vault node: its own store connection, core and webhook service.
type node struct {
	store closingStore
	vault *vault.Service
	hooks *webhooks.Service
}

// eachStore runs fn on SQLite and, when CARDVAULT_TEST_DATABASE_URL is
// set, on PostgreSQL (a fresh schema).
func eachStore(t *testing.T, fn func(t *testing.T, d *db)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			d := &db{key: seal.GenerateKey(), clock: &vaulttest.Clock{}}
			d.clock.Stop(vaulttest.CoreEpoch)
			if name == "sqlite" {
				path := filepath.Join(t.TempDir(), "v.db")
				d.open = func(t *testing.T) closingStore {
					s, err := sqlite.Open(context.Background(), path)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { s.Close() })
					return s
				}
			} else {
				d.open = postgresSchema(t)
			}
			fn(t, d)
		})
	}
}

// postgresSchema returns an opener of one fresh PostgreSQL schema, or skips.
func postgresSchema(t *testing.T) func(t *testing.T) closingStore {
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_webhooks_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		if conn, err := pgx.Connect(ctx, url); err == nil {
			conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			conn.Close(ctx)
		}
	})
	return func(t *testing.T) closingStore {
		s, err := postgres.OpenSchema(context.Background(), url, schema)
		if err != nil {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// start opens a node on d whose webhooks may reach the receiver rcv.
func (d *db) start(t *testing.T, allow string, o webhooks.Options) *node {
	t.Helper()
	store := d.open(t)
	keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: d.key})
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(store, keyring, vault.Options{Now: d.clock.Now})
	if err := v.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &node{store: store, vault: v, hooks: webhooks.New(v, relay(t, allow), nil, o)}
}

// relay is the forward relay with these allow rules.
func relay(t *testing.T, allow string) *forward.Relay { return vaulttest.Relay(t, allow) }

// receiver is a loopback webhook endpoint that fails its first requests
// and counts, per event id, the requests it answered 2xx.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	// fail answers this many requests 503 first.
	fail int
	// secret verifies signatures once set.
	secret  string
	clock   *vaulttest.Clock
	seen    int
	ok      map[string]int
	bodies  []string
	bad     []string
	arrived chan struct{}
}

func newReceiver(t *testing.T, fail int, clock *vaulttest.Clock) *receiver {
	rc := &receiver{fail: fail, clock: clock, ok: map[string]int{}, arrived: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	defer func() { rc.arrived <- struct{}{} }()
	rc.seen++
	if rc.seen <= rc.fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if err := webhooks.Verify(rc.secret, r.Header.Get(webhooks.SignatureHeader), body, rc.clock.Now(), 0); err != nil {
		rc.bad = append(rc.bad, err.Error())
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	var ev webhooks.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != r.Header.Get("Cardvault-Event-Id") {
		rc.bad = append(rc.bad, "body and header disagree")
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.ok[ev.ID]++
	rc.bodies = append(rc.bodies, string(body))
	w.WriteHeader(http.StatusNoContent)
}

// allow is the allow rule naming the receiver.
func (rc *receiver) allow() string { return "http://" + strings.TrimPrefix(rc.srv.URL, "http://") }

// counts returns a copy of the per-event success counts and the bad requests.
func (rc *receiver) counts() (map[string]int, []string, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for k, v := range rc.ok {
		out[k] = v
	}
	return out, append([]string(nil), rc.bad...), rc.seen
}

// register makes an endpoint on n for the receiver and gives it the secret.
func (rc *receiver) register(t *testing.T, n *node, tenant string) webhooks.Endpoint {
	t.Helper()
	ep, err := n.hooks.Create(context.Background(), tenant, webhooks.NewEndpoint{URL: rc.srv.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = ep.Secret
	rc.mu.Unlock()
	return ep
}

// fastOptions retry at once after the clock moves a second.
var fastOptions = webhooks.Options{Backoff: time.Second, MaxBackoff: time.Second, Timeout: 5 * time.Second, Lease: time.Minute}
