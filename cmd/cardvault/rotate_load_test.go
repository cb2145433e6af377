package main

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/postgres"
)

// Both rotations run while clients store and reveal cards: no request
// fails, and every acknowledged card reads back with its number.
func TestRotationsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	t.Run("sqlite", func(t *testing.T) { rotationsUnderLoad(t, "CARDVAULT_DATA_DIR", t.TempDir()) })
	t.Run("postgres", func(t *testing.T) { rotationsUnderLoad(t, "CARDVAULT_DATABASE_URL", freshDatabase(t)) })
}

func rotationsUnderLoad(t *testing.T, storeVar, storeValue string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const admin = "dev-root-key-0123456789abcdef0123456789"
	oldKey := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	newKey := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	// The store was made under the old key; the nodes were then rolled onto both.
	if err := run(ctx, []string{"tenants", "list"}, envOf(storeVar, storeValue, "CARDVAULT_MASTER_KEY", oldKey), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	during := envOf(storeVar, storeValue, "CARDVAULT_MASTER_KEY", newKey, "CARDVAULT_MASTER_KEY_PREVIOUS", oldKey,
		"CARDVAULT_BOOTSTRAP_API_KEY", admin, "CARDVAULT_KEY_REFRESH", "1s",
		"CARDVAULT_RATE_LIMIT", "off", "CARDVAULT_RATE_LIMIT_IP", "off", "CARDVAULT_RATE_LIMIT_CARD_WRITES", "off")
	addr, _ := runServe(t, ctx, during)

	pans := []string{"4111111111111111", "5555555555554444", "378282246310005", "4242424242424242", "6011111111111117"}
	var (
		mu       sync.Mutex
		acked    = map[string]string{} // id → number
		failures atomic.Int64
		firstErr atomic.Value
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	fail := func(format string, a ...any) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, fmt.Sprintf(format, a...))
	}
	do := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("x-api-key", admin)
		req.Header.Set("content-type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				pan := pans[rand.IntN(len(pans))]
				code, out := do("POST", "/cardvault/v1/cards", `{"number":"`+pan+`","expiry":"12/40","holder":"Load"}`)
				if code != http.StatusCreated {
					fail("create: %d %v", code, out)
					continue
				}
				mu.Lock()
				acked[out["id"].(string)] = pan
				var id, want string
				for id, want = range acked {
					break
				}
				mu.Unlock()
				if code, out := do("GET", "/cardvault/v1/cards/"+id+"/reveal", ""); code != http.StatusOK || out["number"] != want {
					fail("reveal %s: %d", id, code)
				}
			}
		})
	}
	// Let the load start before the rotations do.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 10 || failures.Load() > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var stdout strings.Builder
	if err := run(ctx, []string{"rotate", "master"}, during, &stdout, io.Discard); err != nil {
		t.Errorf("rotate master under load: %v", err)
	}
	if err := run(ctx, []string{"rotate", "data", "--settle=2s"}, during, &stdout, io.Discard); err != nil {
		t.Errorf("rotate data under load: %v", err)
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests failed during the rotations; first: %v", n, firstErr.Load())
	}
	if len(acked) < 10 {
		t.Fatalf("only %d cards stored during the rotations: the load did not run", len(acked))
	}
	for id, want := range acked {
		if code, out := do("GET", "/cardvault/v1/cards/"+id+"/reveal", ""); code != http.StatusOK || out["number"] != want {
			t.Fatalf("acknowledged card %s after the rotations: %d", id, code)
		}
	}
	// The new key alone reads everything; keys status counts no card under v1.
	stdout.Reset()
	after := envOf(storeVar, storeValue, "CARDVAULT_MASTER_KEY", newKey)
	if err := run(ctx, []string{"keys", "status"}, after, &stdout, io.Discard); err != nil {
		t.Fatalf("new key alone: %v", err)
	}
	if !regexpMatch(`default\s+data\s+1\s+\S+ \(current\)\s+\S+\s+nothing \(can be retired\)\n`, stdout.String()) {
		t.Fatalf("cards left under data key v1 after rotate data:\n%s", stdout.String())
	}
	t.Logf("%d cards stored and read during both rotations", len(acked))
}

// freshDatabase returns CARDVAULT_TEST_DATABASE_URL pointed at a new,
// migrated schema that is dropped after the test; it skips without
// PostgreSQL unless CARDVAULT_TEST_REQUIRE_POSTGRES=1.
func freshDatabase(t *testing.T) string {
	t.Helper()
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 8)
	crand.Read(b)
	schema := "cmd_" + hex.EncodeToString(b)
	db, err := postgres.OpenSchema(t.Context(), url, schema)
	if err != nil {
		t.Fatalf("PostgreSQL at CARDVAULT_TEST_DATABASE_URL: %v", err)
	}
	db.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, url); err == nil {
			conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			conn.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
