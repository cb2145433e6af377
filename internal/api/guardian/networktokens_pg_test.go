package guardian_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// pgNode is one vault node: its own connection pool, core, token
// service and HTTP server, on a database it shares with other nodes.
type pgNode struct{ url string }

// startPGNodes starts n nodes on one fresh PostgreSQL schema with one
// master key and one admin key, each relaying to allow.
func startPGNodes(t *testing.T, n int, allow string, adminKey string) []pgNode {
	t.Helper()
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "t_guardian_nt_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		if conn, err := pgx.Connect(ctx, url); err == nil {
			_, _ = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			_ = conn.Close(ctx)
		}
	})
	master := seal.GenerateKey()
	rules, err := forward.ParseAllowlist(allow)
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]pgNode, n)
	for i := range nodes {
		ctx := context.Background()
		store, err := postgres.OpenSchema(ctx, url, schema)
		if err != nil {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Cleanup(func() { store.Close() })
		keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: master})
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		v := vault.New(store, keyring, vault.Options{Logger: log})
		if err := v.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if err := v.EnsureBootstrapKey(ctx, adminKey); err != nil {
			t.Fatal(err)
		}
		relay := forward.NewRelay(rules, forward.Options{})
		t.Cleanup(relay.Close)
		d := api.Deps{Vault: v, Log: log, Relay: relay, Audit: audit.New(store, v.MAC, v.Keyring(), nil),
			NetworkTokens: networktokens.New(v, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, v.Now) })}
		srv := httptest.NewServer(server.New(server.Config{Logger: log, Registry: prometheus.NewRegistry(), Ready: v, Facades: []server.Facade{guardian.New(d)}}))
		t.Cleanup(srv.Close)
		nodes[i] = pgNode{url: srv.URL}
	}
	return nodes
}

func pgDo(t *testing.T, method, url, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCryptogramReferenceSingleUseAcrossNodes: two nodes on one
// PostgreSQL database receive many simultaneous forwards with one
// cryptogram reference; exactly one reaches the provider, every other is
// refused as already used.
func TestCryptogramReferenceSingleUseAcrossNodes(t *testing.T) {
	u := newUpstream(t)
	admin := "test-admin-key-" + seal.NewSecret()
	nodes := startPGNodes(t, 2, "http://"+u.Listener.Addr().String(), admin)
	key := []string{"x-api-key", admin}
	status, body := pgDo(t, "POST", nodes[0].url+"/api/pci/tokens", panBody, key...)
	if status != 200 {
		t.Fatalf("pci token: %d %s", status, body)
	}
	pci := vaulttest.Decode[token](t, []byte(body))
	status, body = pgDo(t, "POST", nodes[1].url+"/api/network/tokens", `{"source":{"type":"pci_token","id":"`+pci.ID+`"}}`, key...)
	if status != 200 {
		t.Fatalf("network token: %d %s", status, body)
	}
	nt := vaulttest.Decode[netToken](t, []byte(body))

	for round := range 3 {
		status, body = pgDo(t, "POST", nodes[round%2].url+"/api/network/tokens/"+nt.ID+"/cryptograms",
			`{"mode":"reference","amount":500,"currency_code":"EUR"}`, key...)
		if status != 200 {
			t.Fatalf("cryptogram: %d %s", status, body)
		}
		ref := vaulttest.Decode[struct {
			Reference string `json:"cryptogram_reference"`
		}](t, []byte(body)).Reference
		_, _, before := u.got()
		const tries = 16
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() {
				status, body := pgDo(t, "POST", nodes[i%2].url+"/api/network/tokens/"+nt.ID+"/forward", networkForwardBody,
					append(key, "x-destination-url", u.URL+"/pay", "x-cryptogram-reference", ref)...)
				if status == http.StatusConflict && !strings.Contains(body, "CRYPTOGRAM_ALREADY_USED") {
					t.Errorf("conflict of another kind: %s", body)
				}
				mu.Lock()
				counts[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		_, _, after := u.got()
		if counts[http.StatusCreated] != 1 || counts[http.StatusConflict] != tries-1 || after-before != 1 {
			t.Fatalf("round %d: answers %v, %d reached the provider; want one 201 and %d 409", round, counts, after-before, tries-1)
		}
	}
}
