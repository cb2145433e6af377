package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// A point read converts each column as database/sql did: NULL into the
// nullable types and blobs, an error into a string or an integer; an
// empty blob reads as nil; text and blobs are copies that outlive the read.
func TestPointReadColumns(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	var (
		s     string
		b, nb []byte
		eb    = []byte("x")
		i     int64
		n     int
		ns    sql.NullString
		ni    sql.NullInt64
	)
	err := db.points.row(ctx, `SELECT 'héllo', x'0001ff', NULL, x'', 42, 7, NULL, NULL`, nil).
		Scan(&s, &b, &nb, &eb, &i, &n, &ns, &ni)
	if err != nil {
		t.Fatal(err)
	}
	if s != "héllo" || string(b) != "\x00\x01\xff" || nb != nil || eb != nil || i != 42 || n != 7 || ns.Valid || ni.Valid {
		t.Fatalf("got %q %x %v %v %d %d %v %v", s, b, nb, eb, i, n, ns, ni)
	}
	// Copies: a second read on the same connection does not change the first's values.
	var s2 string
	var b2 []byte
	if err := db.points.row(ctx, `SELECT 'other', x'aaaaaa'`, nil).Scan(&s2, &b2); err != nil {
		t.Fatal(err)
	}
	if s != "héllo" || string(b) != "\x00\x01\xff" {
		t.Fatalf("earlier values changed: %q %x", s, b)
	}
	for _, dest := range []any{&s, &i, &n} {
		if err := db.points.row(ctx, `SELECT NULL`, nil).Scan(dest); err == nil {
			t.Errorf("NULL into %T: no error", dest)
		}
	}
	if err := db.points.row(ctx, `SELECT 1, 2`, nil).Scan(&i); err == nil {
		t.Error("two columns into one destination: no error")
	}
	if err := db.points.row(ctx, `SELECT ?`, nil).Scan(&i); err == nil {
		t.Error("a parameter without an argument: no error")
	}
}

// Arguments bind by type: text, blobs (nil as NULL), integers.
func TestPointReadArguments(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	var (
		typ   string
		text  string
		isNil int
	)
	for _, c := range []struct {
		arg  any
		want string
	}{
		{"abc", "text"}, {"", "text"}, {[]byte{1, 2}, "blob"}, {[]byte(nil), "null"}, {int64(-5), "integer"}, {3, "integer"}, {nil, "null"},
	} {
		if err := db.points.row(ctx, `SELECT typeof(?1), CAST(?1 AS TEXT) IS NULL`, []any{c.arg}).Scan(&typ, &isNil); err != nil {
			t.Fatalf("%#v: %v", c.arg, err)
		}
		if typ != c.want {
			t.Errorf("%#v bound as %s, want %s", c.arg, typ, c.want)
		}
	}
	long := strings.Repeat("a", 100_000) // beyond the scratch buffer's first size
	if err := db.points.row(ctx, `SELECT length(?)`, []any{long}).Scan(&text); err != nil || text != "100000" {
		t.Fatalf("long argument: %q, %v", text, err)
	}
	if err := db.points.row(ctx, `SELECT ?`, []any{1.5}).Scan(&text); err == nil {
		t.Error("a float argument: no error")
	}
}

// No row is sql.ErrNoRows, which the store reports as vault.ErrNotFound.
func TestPointReadNoRow(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	var i int
	if err := db.points.row(ctx, `SELECT 1 WHERE 0`, nil).Scan(&i); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("no row: %v", err)
	}
	if _, err := db.GetCard(ctx, "t", "none", time.Now()); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("missing card: %v", err)
	}
}

// A context that has ended fails the read before it runs.
func TestPointReadEndedContext(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := db.GetMeta(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("read with an ended context: %v", err)
	}
}

// Queries beyond a connection's statement bound still run, prepared for
// that call alone.
func TestPointReadBeyondStatementBound(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	for i := range maxStatements + 10 {
		var n int
		if err := db.points.row(ctx, fmt.Sprintf("SELECT %d", i), nil).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d: %d, %v", i, n, err)
		}
	}
	c, err := db.points.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.points.put(c)
	if len(c.stmts) > maxStatements {
		t.Errorf("a connection keeps %d statements, bound %d", len(c.stmts), maxStatements)
	}
}

// Every read, from many goroutines at once while a writer commits, sees
// the writes acknowledged before it started.
func TestPointReadSeesAcknowledgedWrites(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := "k" + strconv.Itoa(w) + "_" + strconv.Itoa(i)
				if err := db.InsertMeta(ctx, key, []byte(key)); err != nil {
					errs <- err
					return
				}
				v, err := db.GetMeta(ctx, key)
				if err != nil || string(v) != key {
					errs <- fmt.Errorf("read of %s after its write: %q, %v", key, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// After Close, a read fails instead of reaching a closed connection.
func TestPointReadAfterClose(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMeta(ctx, "x"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("before Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMeta(ctx, "x"); err == nil || errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("after Close: %v", err)
	}
}

// CardWithRecord outside a transaction runs on the point-read pool: a card
// that holds no record comes back alone, its record's columns NULL (found
// false, a zero record), and one that holds one comes back with it; the
// statement is then prepared on the pool's connection.
func TestPointReadCardWithRecord(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	now := time.UnixMicro(time.Now().UnixMicro())
	card := vault.Card{Tenant: "t", ID: "card_1", Fingerprint: "fp", BIN: "411111", Last4: "1111", Scheme: "visa",
		ExpMonth: 12, ExpYear: 2030, SealedPAN: []byte("pan"), SealedHolder: []byte("holder"), Integrity: []byte("tag"),
		CreatedAt: now, UpdatedAt: now}
	if err := db.CreateCard(ctx, card); err != nil {
		t.Fatal(err)
	}

	c, r, found, err := db.CardWithRecord(ctx, "t", card.ID, "hold", now)
	if err != nil || found || c.ID != card.ID || string(c.SealedPAN) != "pan" || string(c.Integrity) != "tag" {
		t.Fatalf("card without record: %+v, found %v, %v", c, found, err)
	}
	if r.Tenant != "" || r.ID != "" || r.Data != nil || r.Version != 0 || !r.CreatedAt.IsZero() || !r.ExpiresAt.IsZero() {
		t.Fatalf("card without record: record %+v", r)
	}
	conn, err := db.points.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prepared := conn.stmts[cardWithRecordQuery] != 0
	db.points.put(conn)
	if !prepared {
		t.Error("CardWithRecord did not run on the point-read pool")
	}

	hold := vault.Record{Tenant: "t", Kind: "hold", ID: card.ID, Key: "k", Parent: card.ID, Data: []byte("code"),
		Version: 3, CreatedAt: now, UpdatedAt: now.Add(time.Second), ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateRecord(ctx, hold); err != nil {
		t.Fatal(err)
	}
	c, r, found, err = db.CardWithRecord(ctx, "t", card.ID, "hold", now)
	if err != nil || !found || c.ID != card.ID || string(c.SealedHolder) != "holder" {
		t.Fatalf("card with record: %+v, found %v, %v", c, found, err)
	}
	if r.Tenant != "t" || r.Kind != "hold" || r.ID != card.ID || r.Key != "k" || r.Parent != card.ID || string(r.Data) != "code" ||
		r.Version != 3 || !r.CreatedAt.Equal(hold.CreatedAt) || !r.UpdatedAt.Equal(hold.UpdatedAt) || !r.ExpiresAt.Equal(hold.ExpiresAt) {
		t.Fatalf("card with record: record %+v", r)
	}
	// The row's blobs share one allocation: growing one leaves the others be.
	_ = append(c.Integrity, "xxxxxxxx"...)
	if string(r.Data) != "code" || string(c.SealedPAN) != "pan" {
		t.Fatalf("blobs alias: %q %q", r.Data, c.SealedPAN)
	}
}

// A connection that cannot be opened is an error, not a panic, and gives
// its slot back; a failed statement retires its connection instead of
// pooling it; a file: URI is refused (the pool would open another file).
func TestPointReadFailuresGiveSlotsBack(t *testing.T) {
	ctx := t.Context()
	p := newReadPool(filepath.Join(t.TempDir(), "missing", "p.db"), 1)
	defer p.close()
	for range 3 { // more failures than slots
		var i int
		if err := p.row(ctx, `SELECT 1`, nil).Scan(&i); err == nil {
			t.Fatal("a read on a file that cannot be opened succeeded")
		}
	}
	if n := len(p.slots); n != 0 {
		t.Fatalf("%d slots still taken after failed opens", n)
	}

	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	var i int
	if err := db.points.row(ctx, `SELECT no_such_column`, nil).Scan(&i); err == nil {
		t.Fatal("a bad statement succeeded")
	}
	if n, idle := len(db.points.slots), len(db.points.idle); n != idle || n != 0 {
		t.Fatalf("after a failed statement: %d slots taken, %d idle; want its connection closed", n, idle)
	}
	if err := db.points.row(ctx, `SELECT 7`, nil).Scan(&i); err != nil || i != 7 {
		t.Fatalf("read after a retired connection: %d, %v", i, err)
	}

	if _, err := Open(ctx, "file:"+filepath.Join(t.TempDir(), "u.db")); err == nil {
		t.Fatal("Open accepted a file: URI")
	}
}
