package scale

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// The bulk loaders write rows shaped like real cards: UUIDv7-like ids in
// increasing order (vault ids are time-ordered), a random 64-hex-digit
// fingerprint, and sealed fields of the sizes the vault writes (AES-GCM
// with header, nonce and tag around a 16-digit number, a holder name and
// the expiry extras).
const (
	tenant     = "default"
	idPrefix   = "01900000-0000-7000-8000-"
	panBytes   = 62
	holderSize = 50
	extraBytes = 60
)

// cardID is the id of the i-th loaded card.
func cardID(i int) string { return fmt.Sprintf("%s%012x", idPrefix, i) }

// sizes are the store sizes compared; CARDVAULT_SCALE_CARDS overrides the
// large one (for a quicker trial).
func sizes(b *testing.B) []int {
	large := 1_000_000
	if v := os.Getenv("CARDVAULT_SCALE_CARDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("CARDVAULT_SCALE_CARDS=%q: want a number ≥ 1000", v)
		}
		large = n
	}
	return []int{1000, large}
}

// loaded is a store holding n cards, with fingerprints to look up.
type loaded struct {
	store        vault.Store
	fingerprints []string
	bytes        int64 // the store's size on disk
}

// BenchmarkScale measures GetCard, a ListCards page (from a random place)
// and CardsByFingerprint on stores of 1,000 and 1,000,000 cards, on SQLite
// and (with CARDVAULT_TEST_DATABASE_URL) PostgreSQL, and reports the
// store's bytes per card. Loading a million cards takes a minute or more
// per store; run it on purpose:
//
//	go test -run '^$' -bench Scale -benchtime 2000x ./internal/store/scale
func BenchmarkScale(b *testing.B) {
	type opener struct {
		name string
		load func(b *testing.B, n int) loaded
	}
	stores := []opener{{"sqlite", loadSQLite}}
	if url := os.Getenv("CARDVAULT_TEST_DATABASE_URL"); url != "" {
		stores = append(stores, opener{"postgres", func(b *testing.B, n int) loaded { return loadPostgres(b, url, n) }})
	}
	for _, st := range stores {
		// Load every size first, then measure each operation on the sizes
		// back to back, so that the pairs compared see the same machine load.
		ns := sizes(b)
		ls := make([]loaded, len(ns))
		for i, n := range ns {
			start := time.Now()
			ls[i] = st.load(b, n)
			b.Logf("%s: loaded %d cards in %s, %d bytes per card", st.name, n, time.Since(start).Round(time.Millisecond), ls[i].bytes/int64(n))
		}
		for _, op := range []struct {
			name string
			run  func(b *testing.B, l loaded, n int)
		}{{"get", benchGet}, {"list-page", benchList}, {"fingerprint", benchFingerprint}} {
			for i, n := range ns {
				b.Run(fmt.Sprintf("%s/%s/cards=%d", st.name, op.name, n), func(b *testing.B) {
					op.run(b, ls[i], n)
					b.ReportMetric(float64(ls[i].bytes)/float64(n), "bytes/card")
				})
			}
		}
	}
}

// benchGet reads cards by id, spread over the whole store.
func benchGet(b *testing.B, l loaded, n int) {
	ctx, now := b.Context(), time.Now()
	i := 0
	for b.Loop() {
		if _, err := l.store.GetCard(ctx, tenant, cardID((i*7919)%n), now); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchList reads 100-card pages starting at places spread over the store.
func benchList(b *testing.B, l loaded, n int) {
	ctx, now := b.Context(), time.Now()
	i := 0
	for b.Loop() {
		after := cardID((i * 7919) % max(n-100, 1))
		page, err := l.store.ListCards(ctx, tenant, vault.Page{After: after, Limit: 100}, now)
		if err != nil || len(page) != 100 {
			b.Fatalf("page after %s: %d cards, %v", after, len(page), err)
		}
		i++
	}
}

// benchFingerprint looks cards up by fingerprint.
func benchFingerprint(b *testing.B, l loaded, n int) {
	ctx, now := b.Context(), time.Now()
	i := 0
	for b.Loop() {
		cards, err := l.store.CardsByFingerprint(ctx, tenant, l.fingerprints[i%len(l.fingerprints)], now)
		if err != nil || len(cards) != 1 {
			b.Fatalf("fingerprint lookup: %d cards, %v", len(cards), err)
		}
		i++
	}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// loadSQLite makes a store in a temporary file and inserts n cards in one
// transaction with a recursive query, bypassing the store's one-at-a-time
// writes.
func loadSQLite(b *testing.B, n int) loaded {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "scale.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// A large page cache keeps the bulk insert's index pages in memory.
	raw, err := sql.Open("sqlite", path+"?_busy_timeout=10000&_pragma=cache_size(-524288)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	now := time.Now().UnixMicro()
	_, err = raw.ExecContext(ctx, `INSERT INTO cards (id, tenant, fingerprint, bin, last4, scheme, exp_month,
			exp_year, reference, metadata, sealed_pan, sealed_holder, sealed_extra, created_at, updated_at)
		WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ? - 1)
		SELECT ? || printf('%012x', i), ?, lower(hex(randomblob(32))), '411111', '1111', 'visa', 12, 2039, '',
			NULL, randomblob(?), randomblob(?), randomblob(?), ?, ? FROM seq`,
		n, idPrefix, tenant, panBytes, holderSize, extraBytes, now, now)
	if err != nil {
		b.Fatalf("bulk insert: %v", err)
	}
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := raw.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	return loaded{store: db, fingerprints: sampleFingerprints(b, raw, `SELECT fingerprint FROM cards ORDER BY random() LIMIT 1000`), bytes: size}
}

// sampleFingerprints reads the fingerprints query returns.
func sampleFingerprints(b *testing.B, db *sql.DB, query string) []string {
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			b.Fatal(err)
		}
		out = append(out, fp)
	}
	return out
}

// loadPostgres makes a store in a fresh schema (dropped afterwards) and
// inserts n cards with one INSERT … SELECT over generate_series.
func loadPostgres(b *testing.B, url string, n int) loaded {
	ctx := context.Background()
	schema := "scale_" + randomHex(6)
	db, err := postgres.OpenSchema(ctx, url, schema)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			b.Errorf("drop schema: %v", err)
		}
		conn.Close(context.Background())
	})
	table := pgx.Identifier{schema, "cards"}.Sanitize()
	// random bytes of a given length from md5 blocks (16 bytes each)
	blob := func(n int) string {
		return fmt.Sprintf(`substring(decode(repeat(md5(random()::text), %d), 'hex') from 1 for %d)`, (n+15)/16, n)
	}
	_, err = conn.Exec(ctx, `INSERT INTO `+table+` (id, tenant, fingerprint, bin, last4, scheme, exp_month,
			exp_year, reference, metadata, sealed_pan, sealed_holder, sealed_extra, created_at, updated_at)
		SELECT $1 || lpad(to_hex(i), 12, '0'), $2, encode(sha256(int8send(i) || $3::bytea), 'hex'),
			'411111', '1111', 'visa', 12, 2039, '', NULL, `+blob(panBytes)+`, `+blob(holderSize)+`, `+blob(extraBytes)+`,
			now(), now()
		FROM generate_series(0, $4::bigint - 1) AS i`, idPrefix, tenant, []byte(randomHex(8)), n)
	if err != nil {
		b.Fatalf("bulk insert: %v", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE `+table); err != nil {
		b.Fatal(err)
	}
	var size int64
	if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, table).Scan(&size); err != nil {
		b.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT fingerprint FROM `+table+` TABLESAMPLE SYSTEM_ROWS(1000)`)
	if err != nil { // tsm_system_rows may be missing: a slower sample
		rows, err = conn.Query(ctx, `SELECT fingerprint FROM `+table+` ORDER BY random() LIMIT 1000`)
	}
	if err != nil {
		b.Fatal(err)
	}
	fps, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	return loaded{store: db, fingerprints: fps, bytes: size}
}
