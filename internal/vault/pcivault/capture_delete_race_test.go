package pcivault_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/keycache"
	"github.com/cardvault/cardvault/internal/store/metered"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// pvRaceStore is a PCI Vault service over a store wrapped as cmd/cardvault
// wraps it (metered, then the API key cache), so that a lock a wrapper
// fails to forward is missed here too. waitLocked, on PostgreSQL, waits
// until one of the store's transactions waits for a lock or done is
// closed, and reports which; on SQLite it is nil: transactions run one
// after another there, so none can be caught waiting.
type pvRaceStore struct {
	p          *pcivault.Service
	svc        *vault.Service
	waitLocked func(t *testing.T, done <-chan struct{}) bool
}

// pvRaceStores runs fn on SQLite and, when CARDVAULT_TEST_DATABASE_URL is
// set, on PostgreSQL, whose connections carry an application name of their
// own so that waitLocked sees only this test's transactions.
func pvRaceStores(t *testing.T, fn func(t *testing.T, rs pvRaceStore)) {
	pvRaceStoresWith(t, pcivault.Options{}, fn)
}

// pvRaceStoresWith is pvRaceStores with the PCI Vault options o (KDF aside).
func pvRaceStoresWith(t *testing.T, o pcivault.Options, fn func(t *testing.T, rs pvRaceStore)) {
	o.KDF = seal.TestKDFParams
	ctx := context.Background()
	run := func(t *testing.T, st vault.Store, wait func(*testing.T, <-chan struct{}) bool) {
		keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
		if err != nil {
			t.Fatal(err)
		}
		wrapped := keycache.New(metered.New(st, prometheus.NewRegistry()), time.Minute, 0)
		svc := vault.New(wrapped, keyring, vault.Options{})
		if err := svc.Init(ctx); err != nil {
			t.Fatal(err)
		}
		fn(t, pvRaceStore{p: pcivault.New(svc, o), svc: svc, waitLocked: wait})
	}
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		run(t, s, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
		if url == "" {
			if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
				t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
			}
			t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
		}
		b := make([]byte, 8)
		rand.Read(b)
		name := "t_pvrace_" + hex.EncodeToString(b)
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		s, err := postgres.OpenSchema(ctx, url+sep+"application_name="+name, name)
		if err != nil {
			t.Fatalf("PostgreSQL: %v", err)
		}
		watch, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			watch.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`)
			watch.Close(ctx)
		})
		wait := func(t *testing.T, done <-chan struct{}) bool {
			t.Helper()
			for {
				select {
				case <-done:
					return false
				default:
				}
				var n int
				if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE application_name = $1 AND wait_event_type = 'Lock'`, name).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					return true
				}
				time.Sleep(time.Millisecond) // polling, not an assertion
			}
		}
		run(t, s, wait)
	})
}

// pvRaceSetup makes user "u" and a capture endpoint of it.
func pvRaceSetup(t *testing.T, p *pcivault.Service) pcivault.Capture {
	t.Helper()
	ctx := context.Background()
	if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
		t.Fatal(err)
	}
	c, err := p.CreateCapture(ctx, vault.DefaultTenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, UniqueID: "ep"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pvEntryCount counts the entries of every user of the default tenant.
func pvEntryCount(t *testing.T, p *pcivault.Service) int {
	t.Helper()
	refs, _, err := p.ListEntries(context.Background(), vault.DefaultTenant, "", vault.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(refs)
}

// A delete of the endpoint or of its user key that starts while a capture's
// transaction holds the endpoint waits for that capture to commit (on
// PostgreSQL it is caught waiting; without the capture's lock it would run
// through and be acknowledged before the capture's entry lands), and a
// user key's deletion then sweeps the captured entry: no entry outlives its
// user key. With a bound on captures the count's update holds the endpoint
// instead of the shared lock.
func TestPCIVaultDeleteWaitsForCaptureInFlight(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	cases := []struct {
		name   string
		delete func(p *pcivault.Service) (int, error)
		// entries is how many entries are left once both are done.
		entries, deleted int
	}{
		{"user key", func(p *pcivault.Service) (int, error) { return p.DeleteUserKey(ctx, tenant, "u", false) }, 0, 1},
		{"endpoint", func(p *pcivault.Service) (int, error) { return 0, p.DeleteCapture(ctx, tenant, "ep") }, 1, 0},
	}
	for _, bound := range []int{0, 100} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/max_captures_%d", tc.name, bound), func(t *testing.T) {
				pvRaceDeleteWhileCapturing(t, pcivault.Options{MaxCaptures: bound}, tc.delete, tc.entries, tc.deleted)
			})
		}
	}
}

// pvRaceDeleteWhileCapturing runs del once a capture's transaction holds
// its endpoint, and checks that the delete waited and how many entries it
// swept and left.
func pvRaceDeleteWhileCapturing(t *testing.T, o pcivault.Options, del func(p *pcivault.Service) (int, error), entries, swept int) {
	ctx := context.Background()
	pvRaceStoresWith(t, o, func(t *testing.T, rs pvRaceStore) {
		c := pvRaceSetup(t, rs.p)
		done := make(chan struct{})
		var deleted int
		var derr error
		waited := false
		once := false
		pcivault.OnCaptureLocked(t, func() {
			if once {
				return
			}
			once = true
			go func() {
				defer close(done)
				deleted, derr = del(rs.p)
			}()
			if rs.waitLocked != nil {
				waited = rs.waitLocked(t, done)
			}
		})
		_, _, err := rs.p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: "r", Data: []byte(`{"card_number":"4111111111111111"}`)})
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		<-done
		if derr != nil {
			t.Fatalf("delete: %v", derr)
		}
		if rs.waitLocked != nil && !waited {
			t.Fatal("the delete was acknowledged while the capture that had read the endpoint had not committed")
		}
		if deleted != swept {
			t.Errorf("the delete swept %d entries, want %d", deleted, swept)
		}
		if n := pvEntryCount(t, rs.p); n != entries {
			t.Fatalf("%d entries left, want %d", n, entries)
		}
	})
}

// A capture whose endpoint's user key is being deleted by a transaction
// that has not committed yet (its endpoints and record deleted, its entries
// not swept yet) waits for it on PostgreSQL, then finds its endpoint gone:
// it answers not_found and stores nothing. Without the capture's lock it
// would read the endpoint as it was, store its entry after the sweep and
// leave it behind a deleted user key.
func TestPCIVaultCaptureBehindUncommittedUserKeyDelete(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	pvRaceStores(t, func(t *testing.T, rs pvRaceStore) {
		c := pvRaceSetup(t, rs.p)
		if _, err := rs.p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "old",
			Data: []byte(`{"name":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var cerr error
		waited := false
		once := false
		pcivault.OnUserKeyDeleted(t, func() {
			if once {
				return
			}
			once = true
			go func() {
				defer close(done)
				_, _, cerr = rs.p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: "r", Data: []byte(`{"name":"y"}`)})
			}()
			// On SQLite the capture's transaction cannot start before this
			// one ends, so it is not waited for here.
			if rs.waitLocked != nil {
				waited = rs.waitLocked(t, done)
			}
		})
		deleted, err := rs.p.DeleteUserKey(ctx, tenant, "u", false)
		if err != nil {
			t.Fatal(err)
		}
		<-done
		if rs.waitLocked != nil && !waited {
			t.Error("the capture finished while the deletion of its user key had not committed")
		}
		if vault.CodeOf(cerr) != vault.CodeNotFound {
			t.Fatalf("capture: %v, want not_found", cerr)
		}
		if deleted != 1 {
			t.Errorf("deleted %d entries, want 1", deleted)
		}
		if n := pvEntryCount(t, rs.p); n != 0 {
			t.Fatalf("%d entries outlive their user key", n)
		}
	})
}

// A store through the passphrase (StoreEntry) whose transaction holds the
// user key makes a concurrent DeleteUserKey wait for it, and the deletion
// then sweeps the stored entry.
func TestPCIVaultDeleteUserKeyWaitsForStoreInFlight(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	pvRaceStores(t, func(t *testing.T, rs pvRaceStore) {
		if _, _, err := rs.p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var deleted int
		var derr error
		waited := false
		once := false
		pcivault.OnUserHeld(t, func() {
			if once {
				return
			}
			once = true
			go func() {
				defer close(done)
				deleted, derr = rs.p.DeleteUserKey(ctx, tenant, "u", false)
			}()
			if rs.waitLocked != nil {
				waited = rs.waitLocked(t, done)
			}
		})
		if _, err := rs.p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
			Data: []byte(`{"name":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		<-done
		if derr != nil {
			t.Fatal(derr)
		}
		if rs.waitLocked != nil && !waited {
			t.Error("the user key's deletion was acknowledged while a store under it had not committed")
		}
		if deleted != 1 {
			t.Errorf("deleted %d entries, want 1", deleted)
		}
		if n := pvEntryCount(t, rs.p); n != 0 {
			t.Fatalf("%d entries outlive their user key", n)
		}
	})
}

// Creating a capture endpoint holds its user key while it writes the
// endpoint: a DeleteUserKey that starts meanwhile waits, then deletes the
// new endpoint too, so no endpoint outlives its user key.
func TestPCIVaultDeleteUserKeyWaitsForEndpointCreation(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	pvRaceStores(t, func(t *testing.T, rs pvRaceStore) {
		if _, _, err := rs.p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var derr error
		waited := false
		once := false
		pcivault.OnUserHeld(t, func() {
			if once {
				return
			}
			once = true
			go func() {
				defer close(done)
				_, derr = rs.p.DeleteUserKey(ctx, tenant, "u", false)
			}()
			if rs.waitLocked != nil {
				waited = rs.waitLocked(t, done)
			}
		})
		if _, err := rs.p.CreateCapture(ctx, tenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, UniqueID: "ep"}); err != nil {
			t.Fatal(err)
		}
		<-done
		if derr != nil {
			t.Fatal(derr)
		}
		if rs.waitLocked != nil && !waited {
			t.Error("the user key's deletion was acknowledged while an endpoint of it was being created")
		}
		eps, _, err := rs.p.ListCaptures(ctx, tenant, "", vault.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(eps) != 0 {
			t.Fatalf("%d endpoints outlive their user key", len(eps))
		}
	})
}

// A writer to the store who deletes only a user key's record (not its
// endpoints) gets no more entries stored for that user through its
// endpoints: the capture answers not_found, as for a deleted endpoint.
func TestPCIVaultCaptureRefusesDeletedUserRecord(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	pvRaceStores(t, func(t *testing.T, rs pvRaceStore) {
		c := pvRaceSetup(t, rs.p)
		if _, _, err := rs.p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: "before", Data: []byte(`{"name":"x"}`)}); err != nil {
			t.Fatalf("capture with the user key there: %v", err)
		}
		u, err := pcivault.UserRecords.ByKey(ctx, rs.svc, tenant, "u")
		if err != nil {
			t.Fatal(err)
		}
		if err := pcivault.UserRecords.Delete(ctx, rs.svc, tenant, u.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = rs.p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: "after", Data: []byte(`{"name":"x"}`)})
		if vault.CodeOf(err) != vault.CodeNotFound {
			t.Fatalf("capture: %v, want not_found", err)
		}
		if n := pvEntryCount(t, rs.p); n != 1 {
			t.Fatalf("%d entries, want only the one stored before", n)
		}
	})
}

// An entry under the same token and reference that belongs to another user
// record (left by a same-named user key deleted and made again, or written
// into the store) is not replaced by a capture: conflict, and it stays.
func TestPCIVaultCaptureDoesNotReplaceAnotherUsersEntry(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	pvRaceStores(t, func(t *testing.T, rs pvRaceStore) {
		c := pvRaceSetup(t, rs.p)
		post := pcivault.Posted{Reference: "r", Data: []byte(`{"card_number":"4111111111111111"}`)}
		if _, _, err := rs.p.Capture(ctx, c.ID, c.Secret, post); err != nil {
			t.Fatal(err)
		}
		// Replacing one's own entry works (else the refusal proves nothing).
		_, ref, err := rs.p.Capture(ctx, c.ID, c.Secret, post)
		if err != nil {
			t.Fatalf("replace own entry: %v", err)
		}
		recs, err := pcivault.EntryRecords.List(ctx, rs.svc, tenant, ref.Token, vault.Page{Limit: 2})
		if err != nil || len(recs) != 1 {
			t.Fatalf("entries of the token: %d, %v", len(recs), err)
		}
		foreign := recs[0]
		foreign.Value.UserID = "pvu_someone_else"
		if _, err := pcivault.EntryRecords.Update(ctx, rs.svc, foreign); err != nil {
			t.Fatal(err)
		}
		_, _, err = rs.p.Capture(ctx, c.ID, c.Secret, post)
		if vault.CodeOf(err) != vault.CodeConflict {
			t.Fatalf("capture over another user's entry: %v, want conflict", err)
		}
		if got, err := pcivault.EntryRecords.Get(ctx, rs.svc, tenant, foreign.ID); err != nil || got.Value.UserID != "pvu_someone_else" {
			t.Fatalf("the other user's entry: %+v, %v", got.Value.UserID, err)
		}
	})
}
