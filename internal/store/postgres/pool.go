package postgres

import (
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultMaxConns is the pool size when the URL does not set
// pool_max_conns. pgxpool's own default, max(4, CPUs), caps a 2-core node at
// 4 transactions in flight, and with synchronous_commit=on each waits for
// its WAL flush: PostgreSQL flushes the commits of concurrent connections
// together, so more connections mean more commits per flush. 16 gave 1.4–1.8×
// the tokenize throughput of 4 on the benchmark machine (bench/README.md).
const defaultMaxConns = 16

// sizePool raises the pool to defaultMaxConns unless connString sets
// pool_max_conns itself.
func sizePool(cfg *pgxpool.Config, connString string) {
	if setsPoolMaxConns(connString) {
		return
	}
	cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
}

// setsPoolMaxConns reports whether a postgres:// URL or key=value string
// names pool_max_conns.
func setsPoolMaxConns(connString string) bool {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Has("pool_max_conns")
	}
	for _, field := range strings.Fields(connString) {
		if name, _, ok := strings.Cut(field, "="); ok && name == "pool_max_conns" {
			return true
		}
	}
	return false
}
