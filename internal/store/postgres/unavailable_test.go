package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"read-only transaction", &pgconn.PgError{Code: "25006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, false},
		{"no rows", pgx.ErrNoRows, false},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"network", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{"deadline", fmt.Errorf("acquire: %w", context.DeadlineExceeded), true},
		{"conn closed", pgconn.ErrConnClosed, true},
		{"plain", errors.New("something else"), false},
	} {
		if got := isUnavailable(tc.err); got != tc.want {
			t.Errorf("%s: isUnavailable = %v, want %v", tc.name, got, tc.want)
		}
		err := opErr("op", tc.err)
		if got := errors.Is(err, vault.ErrUnavailable); got != tc.want {
			t.Errorf("%s: opErr is ErrUnavailable = %v, want %v", tc.name, got, tc.want)
		}
		if tc.want && vault.CodeOf(err) != vault.CodeUnavailable {
			t.Errorf("%s: code %q, want unavailable", tc.name, vault.CodeOf(err))
		}
	}
}

// A connection killed in the middle of a transaction (what a database
// restart or failover does) fails the operation as unavailable, leaves
// nothing of the transaction behind, and the pool serves the next call
// on a fresh connection.
func TestConnectionKilledMidTransaction(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := db.Tx(ctx, func(s vault.Store) error {
		if err := s.CreateCard(ctx, vault.Card{Tenant: "a", ID: "half", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		var pid int
		if err := s.(*store).tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		// Terminate it and wait for it to be gone (what a restart does).
		if _, err := db.pool.Exec(ctx, `SELECT pg_terminate_backend($1, 30000)`, pid); err != nil {
			t.Fatalf("terminate backend: %v", err)
		}
		return s.CreateCard(ctx, vault.Card{Tenant: "a", ID: "second", CreatedAt: now, UpdatedAt: now})
	})
	if !errors.Is(err, vault.ErrUnavailable) {
		t.Fatalf("Tx over a killed connection = %v, want vault.ErrUnavailable", err)
	}
	if code := vault.CodeOf(err); code != vault.CodeUnavailable {
		t.Errorf("code %q, want unavailable", code)
	}
	if _, err := db.GetCard(ctx, "a", "half", now); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("the card written before the connection died: GetCard = %v, want not found (half-written)", err)
	}
	if err := db.CreateCard(ctx, vault.Card{Tenant: "a", ID: "after", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Errorf("the pool did not recover: %v", err)
	}
}

// A read-only database is not ready (Ping is unavailable) and is refused
// at start with a message that names the problem.
func TestReadOnlyDatabase(t *testing.T) {
	url := testURL(t)
	db := openTest(t) // migrates the schema
	ro := url + sep(url) + "options=-c%20default_transaction_read_only%3Don"
	cfg, err := pgxpool.ParseConfig(ro)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping of the primary: %v", err)
	}
	s := &store{pool: pool, q: pool}
	if err := s.Ping(t.Context()); !errors.Is(err, vault.ErrUnavailable) {
		t.Errorf("Ping of a read-only session = %v, want vault.ErrUnavailable", err)
	}
	_, err = OpenSchema(t.Context(), ro, "t_readonly_refused")
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("OpenSchema on a read-only database = %v, want a message saying it is read-only", err)
	}
}

// sep is the character that appends a query parameter to url.
func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// While another node holds the clean-up lock, expired rows stay; once that
// node is gone (its connection closes, as when it dies), the next call
// deletes them.
func TestCleanUpOneNodeAtATime(t *testing.T) {
	url := testURL(t)
	db := openTest(t)
	ctx := t.Context()
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	if err := db.CreateCard(ctx, vault.Card{Tenant: "a", ID: "old", CreatedAt: past, UpdatedAt: past, ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	other, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var got bool
	if err := other.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, cleanerLock(db.schema)).Scan(&got); err != nil || !got {
		t.Fatalf("take the clean-up lock as another node: %v %v", got, err)
	}
	if n, err := db.DeleteExpired(ctx, time.Now(), 100); err != nil || n != 0 {
		t.Errorf("DeleteExpired while another node cleans = %d, %v; want 0, nil", n, err)
	}
	pid := other.PgConn().PID()
	other.Close(ctx) // the other node dies; its backend exits (and unlocks) a moment later
	for deadline := time.Now().Add(30 * time.Second); ; {
		var alive bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other node's backend did not exit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, err := db.DeleteExpired(ctx, time.Now(), 100); err != nil || n != 1 {
		t.Errorf("DeleteExpired after the other node died = %d, %v; want 1, nil", n, err)
	}
}

func TestExplainOpen(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("connect: %w", pgconn.ErrReadOnlyConnection), "no writable primary"},
		{&pgconn.PgError{Code: "25006", Message: "cannot execute CREATE TABLE in a read-only transaction"}, "read-only"},
		{errors.New("FATAL: unsupported startup parameter: synchronous_commit (SQLSTATE 08P01)"), "ignore_startup_parameters = synchronous_commit"},
		{errors.New("ERROR: transaction blocks not allowed in statement pooling mode (SQLSTATE 08P01)"), "pool_mode=transaction"},
	} {
		if got := explainOpen(tc.err).Error(); !strings.Contains(got, tc.want) {
			t.Errorf("explainOpen(%v) = %q, want it to say %q", tc.err, got, tc.want)
		}
	}
	plain := errors.New("something else")
	if explainOpen(plain) != plain {
		t.Error("explainOpen changed an error it has nothing to say about")
	}
}
