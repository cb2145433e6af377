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

// BenchmarkScale measures GetCard, a ListCards page (from a spread of
// places) and CardsByFingerprint on stores of 1,000 and 1,000,000 cards,
// on SQLite and (with CARDVAULT_TEST_DATABASE_URL) PostgreSQL, alternating
// between the two sizes, and reports the time per call on each, their
// ratio and the store's bytes per card. Loading a million cards takes a minute or more
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
			run  func(ctx context.Context, l loaded, n, i int) error
		}{{"get", get}, {"list-page", listPage}, {"fingerprint", byFingerprint}} {
			b.Run(st.name+"/"+op.name, func(b *testing.B) {
				interleave(b, ns, ls, op.run)
			})
		}
	}
}

// block is how many calls run on one store before switching to the next.
const block = 50

// interleave runs op on every store in turn, block calls at a time, until
// b.N calls were made on each, and reports the mean time per call on each
// store and the ratio of the largest to the smallest: alternating keeps
// machine load from favouring one size.
func interleave(b *testing.B, ns []int, ls []loaded, op func(ctx context.Context, l loaded, n, i int) error) {
	ctx := b.Context()
	spent := make([]time.Duration, len(ns))
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		for k, n := range ns {
			start := time.Now()
			for i := done; i < min(done+block, b.N); i++ {
				if err := op(ctx, ls[k], n, i); err != nil {
					b.Fatal(err)
				}
			}
			spent[k] += time.Since(start)
		}
	}
	for k, n := range ns {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64(b.N), fmt.Sprintf("ns/op@%d", n))
		b.ReportMetric(float64(ls[k].bytes)/float64(n), fmt.Sprintf("bytes/card@%d", n))
	}
	last := len(ns) - 1
	b.ReportMetric(float64(spent[last])/float64(spent[0]), "large/small")
	b.ReportMetric(0, "ns/op") // the per-size figures above are the result
}

// get reads a card by id, spread over the whole store.
func get(ctx context.Context, l loaded, n, i int) error {
	_, err := l.store.GetCard(ctx, tenant, cardID((i*7919)%n), time.Now())
	return err
}

// listPage reads a 100-card page starting at a place spread over the store.
func listPage(ctx context.Context, l loaded, n, i int) error {
	after := cardID((i * 7919) % max(n-100, 1))
	page, err := l.store.ListCards(ctx, tenant, vault.Page{After: after, Limit: 100}, time.Now())
	if err == nil && len(page) != 100 {
		err = fmt.Errorf("page after %s: %d cards", after, len(page))
	}
	return err
}

// byFingerprint looks a card up by fingerprint.
func byFingerprint(ctx context.Context, l loaded, n, i int) error {
	cards, err := l.store.CardsByFingerprint(ctx, tenant, l.fingerprints[i%len(l.fingerprints)], time.Now())
	if err == nil && len(cards) != 1 {
		err = fmt.Errorf("fingerprint lookup: %d cards", len(cards))
	}
	return err
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
