package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

// A server on the SQLite store shows its group commits on /metrics.
func TestMetricsShowSQLiteGroupCommits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const admin = "dev-root-key-0123456789abcdef0123456789"
	env := envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()),
		"CARDVAULT_BOOTSTRAP_API_KEY", admin)
	addr, _ := runServe(t, ctx, env)
	if code, out := callJSON(t, addr, admin, "POST", "/cardvault/v1/cards", `{"number":"4111111111111111","expiry":"12/40"}`); code != http.StatusCreated {
		t.Fatalf("create card: %d %v", code, out)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`\ncardvault_sqlite_commit_groups_total [1-9]`, `\ncardvault_sqlite_commit_transactions_total [1-9]`,
		`\ncardvault_sqlite_commit_busy_seconds_total{phase="commit"} `, `\ncardvault_sqlite_commit_queue_wait_seconds_count [1-9]`} {
		if !regexpMatch(want, string(metrics)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
