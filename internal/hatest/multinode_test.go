package hatest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Three nodes on one database: started together on an empty database they
// migrate it exactly once; a capture endpoint, a session and an
// idempotency key made on one node hold on the others, and a network
// token's cryptogram reference is forwarded once whichever node is asked; background clean-up
// runs on one node at a time and carries on when the node cleaning dies.
func TestThreeNodesOneDatabase(t *testing.T) {
	requireHA(t)
	pg := newPrimary(t, "")
	psp := newPSP(t)
	env := []string{"CARDVAULT_DATABASE_URL=" + pg.URL(), "CARDVAULT_MASTER_KEY=" + masterKey(),
		"CARDVAULT_CLEANUP_INTERVAL=1s", "CARDVAULT_FORWARD_ALLOW=" + psp.rule()}
	nodes := startNodes(t, env, "a", "b", "c") // together, on an empty database
	a, b, c := nodes[0], nodes[1], nodes[2]
	client := &http.Client{Timeout: 30 * time.Second}

	t.Run("migrated once", func(t *testing.T) {
		files, _ := filepath.Glob("../store/postgres/migrations/*.sql")
		var rows, versions int
		query(t, pg.URL(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`, nil, &rows, &versions)
		if rows != len(files) || versions != len(files) {
			t.Errorf("schema_migrations: %d rows, %d versions; want %d migrations applied once", rows, versions, len(files))
		}
	})

	t.Run("capture endpoint across nodes", func(t *testing.T) {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("account:"+apiKey))
		const user, pass = "ha-user", "AVeryLongPassphraseForTheHATestOnly"
		auth := []string{"Authorization", basic}
		mustStatus(t, do(client, "POST", a.URL()+"/v1/key", `{"user":"`+user+`","passphrase":"`+pass+`"}`, auth...), 200)
		q := "?user=" + user + "&passphrase=" + pass
		ans := mustStatus(t, do(client, "POST", b.URL()+"/v1/capture"+q, "", auth...), 200)
		var ep struct{ URL, Secret string }
		decodeJSON(t, ans.body, &ep)
		ans = mustStatus(t, do(client, "POST", c.URL()+ep.URL, `{"card_number":"4111 1111 1111 1111","card_expiry":"06-2031"}`,
			"Content-Type", "text/plain;charset=UTF-8", "X-PCIVault-Capture-Secret", ep.Secret, "Origin", "https://shop.example"), 200)
		var stored struct{ Token, Reference string }
		decodeJSON(t, ans.body, &stored)
		ans = mustStatus(t, do(client, "GET", a.URL()+"/v1/vault"+q+"&token="+url.QueryEscape(stored.Token)+
			"&reference="+url.QueryEscape(stored.Reference), "", auth...), 200)
		if !strings.Contains(ans.body, "4111") {
			t.Errorf("data captured on node c, read on node a: %s", ans.body)
		}
	})

	t.Run("session across nodes", func(t *testing.T) {
		ans := mustStatus(t, do(client, "POST", a.URL()+"/api/pci/tokens", `{"source":{"type":"session"}}`), 200)
		var s struct {
			SessionID string `json:"session_id"`
		}
		decodeJSON(t, ans.body, &s)
		mustStatus(t, do(client, "GET", b.URL()+"/sessions/"+s.SessionID, "", "Origin", "https://shop.example"), 200)
		mustStatus(t, do(client, "GET", c.URL()+"/api/sessions/"+s.SessionID, ""), 200)
	})

	t.Run("idempotency key across nodes", func(t *testing.T) {
		const body = `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`
		first := mustStatus(t, do(client, "POST", a.URL()+"/api/pci/tokens", body, "x-idempotency-key", "ha-order-1"), 200)
		for _, n := range nodes[1:] {
			if again := do(client, "POST", n.URL()+"/api/pci/tokens", body, "x-idempotency-key", "ha-order-1"); again.body != first.body {
				t.Errorf("replay on node %s differs:\n%d %s\nwant %s", n.name, again.status, again.body, first.body)
			}
		}
		// The same fresh key on three nodes at once: one token, whoever answers.
		var wg sync.WaitGroup
		answers := make([]answer, 3)
		for i, n := range nodes {
			wg.Go(func() {
				answers[i] = do(client, "POST", n.URL()+"/api/pci/tokens", body, "x-idempotency-key", "ha-order-2")
			})
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, ans := range answers {
			switch ans.status {
			case 200:
				var tok struct{ ID string }
				decodeJSON(t, ans.body, &tok)
				ids[tok.ID] = true
			case 409: // another node holds the key and is still working on it
			default:
				t.Errorf("racing the same key: %d %s", ans.status, ans.body)
			}
		}
		if len(ids) != 1 {
			t.Errorf("the same idempotency key on three nodes made %d tokens: %v", len(ids), answers)
		}
	})

	t.Run("cryptogram reference used once across nodes", func(t *testing.T) {
		cryptogramOnceAcrossNodes(t, client, nodes, psp)
	})

	t.Run("a node with another master key refuses to start", func(t *testing.T) {
		d := newNode(t, "d", "CARDVAULT_DATABASE_URL="+pg.URL(), "CARDVAULT_MASTER_KEY="+masterKey())
		d.start(t)
		if err := d.wait(t, time.Minute); err == nil {
			t.Fatal("a node with a different master key started")
		}
		if logs := d.Logs(); !strings.Contains(logs, "refusing to start") || !strings.Contains(logs, "master key does not match") {
			t.Errorf("the refusal does not say why: %s", logs)
		}
	})

	t.Run("clean-up one node at a time", func(t *testing.T) {
		ans := mustStatus(t, do(client, "POST", a.URL()+"/cardvault/v1/cards", cardBody), 201)
		var card struct{ ID string }
		decodeJSON(t, ans.body, &card)
		ctx := context.Background()
		lockHolder, err := pgx.Connect(ctx, pg.URL()) // another node, in the middle of a clean-up
		if err != nil {
			t.Fatal(err)
		}
		// A node may hold the lock for the moment of its own clean-up tick:
		// try until this connection has it.
		waitFor(t, "the clean-up lock", func() bool {
			var got bool
			if err := lockHolder.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, cleanerLockKey()).Scan(&got); err != nil {
				t.Fatalf("take the clean-up lock: %v", err)
			}
			return got
		})
		execSQL(t, pg.URL(), `UPDATE cards SET expires_at = now() - interval '1 hour' WHERE id = $1`, card.ID)
		before := map[*node]int{}
		for _, n := range nodes {
			before[n] = cleanups(t, n)
		}
		for _, n := range nodes { // every node tried at least twice while the lock was held
			waitFor(t, fmt.Sprintf("two clean-up ticks on node %s", n.name), func() bool { return cleanups(t, n) >= before[n]+2 })
		}
		var left int
		query(t, pg.URL(), `SELECT count(*) FROM cards WHERE id = $1`, []any{card.ID}, &left)
		if left != 1 {
			t.Fatal("an expired card was deleted while another node held the clean-up lock")
		}
		a.kill()              // a node dies...
		lockHolder.Close(ctx) // ...and so does the one that was cleaning
		waitFor(t, "the surviving nodes to delete the expired card", func() bool {
			query(t, pg.URL(), `SELECT count(*) FROM cards WHERE id = $1`, []any{card.ID}, &left)
			return left == 0
		})
	})
}

// cleanerLockKey is the advisory lock key the PostgreSQL store cleans
// under (schema ""), computed as the store does: FNV-1a 64 of its name.
func cleanerLockKey() int64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, b := range []byte("cardvault/clean-expired/") {
		h ^= uint64(b)
		h *= prime
	}
	return int64(h)
}

var cleanupCount = regexp.MustCompile(`cardvault_store_operation_duration_seconds_count\{op="delete_expired",outcome="ok"\} (\d+)`)

// cleanups returns how many clean-up batches the node has run.
func cleanups(t testing.TB, n *node) int {
	t.Helper()
	ans := do(http.DefaultClient, "GET", n.URL()+"/metrics", "")
	m := cleanupCount.FindStringSubmatch(ans.body)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	return v
}

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mustStatus fails the test unless the answer has the status.
func mustStatus(t testing.TB, a answer, status int) answer {
	t.Helper()
	if a.err != nil || a.status != status {
		t.Fatalf("got %d %s (%v), want %d", a.status, a.body, a.err, status)
	}
	return a
}

// decodeJSON decodes body into v, failing the test on error.
func decodeJSON(t testing.TB, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// query runs one query with args on its own connection and scans its one
// row into dest.
func query(t testing.TB, url, sql string, args []any, dest ...any) {
	t.Helper()
	withConn(t, url, sql, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql, args...).Scan(dest...)
	})
}

// execSQL runs one statement on its own connection.
func execSQL(t testing.TB, url, sql string, args ...any) {
	t.Helper()
	withConn(t, url, sql, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	})
}

// withConn runs f on a connection of its own to url, failing the test
// (naming sql) when f fails.
func withConn(t testing.TB, url, sql string, f func(context.Context, *pgx.Conn) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := f(ctx, conn); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
