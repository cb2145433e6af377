package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/store/tamper"
	"github.com/cardvault/cardvault/internal/vault"
)

// anchored is a log on a real store with a raw SQL handle on its database.
type anchored struct {
	log *audit.Log
	db  tamper.DB
}

// eachStore runs fn against SQLite and PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, a anchored)) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			for _, id := range []string{"acme", "globex"} {
				if err := db.Store.CreateTenant(context.Background(), vault.Tenant{ID: id, Name: id, CreatedAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, anchored{log: audit.New(db.Store, testMAC("k1"), testKeys(t, 1), nil), db: db})
		})
	}
}

// record appends n events to tenant's chain.
func (a anchored) record(t *testing.T, tenant string, n int) {
	t.Helper()
	for i := range n {
		if err := a.log.Record(context.Background(), audit.Event{Tenant: tenant, Actor: "key_1", Action: fmt.Sprintf("forward.%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// entryHash reads entry seq's hash straight from the database.
func (a anchored) entry(t *testing.T, tenant string, seq int64) audit.Entry {
	t.Helper()
	r, err := a.db.Store.GetRecord(context.Background(), "audit", fmt.Sprintf("%s/%020d", tenant, seq), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var e audit.Entry
	if err := json.Unmarshal(r.Data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// mustFail asserts that err reports tampering.
func mustFail(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("%s: got %v, want an error wrapping ErrTampered", what, err)
	}
}

// Deleting the newest entries and pointing the head back at the last one
// kept is found: the head's MAC covers its sequence number.
func TestVerifyFindsTruncation(t *testing.T) {
	eachStore(t, func(t *testing.T, a anchored) {
		ctx := context.Background()
		a.record(t, "acme", 5)
		e3 := a.entry(t, "acme", 3)
		if n := a.db.Exec(t, `DELETE FROM records WHERE kind = 'audit' AND tenant = ? AND id > ?`, "acme", "acme/00000000000000000003"); n != 2 {
			t.Fatalf("deleted %d entries", n)
		}
		for name, data := range map[string]string{
			"plain head": fmt.Sprintf(`{"seq":3,"hash":%q}`, e3.Hash),
			"stale MAC":  "",
		} {
			if data == "" { // keep the old MAC and time, move seq and hash
				var h map[string]any
				r, _ := a.db.Store.GetRecord(ctx, "audit_head", "acme", time.Time{})
				json.Unmarshal(r.Data, &h)
				h["seq"], h["hash"] = 3, e3.Hash
				b, _ := json.Marshal(h)
				data = string(b)
			}
			a.db.Exec(t, `UPDATE records SET data = ? WHERE kind = 'audit_head' AND id = ?`, []byte(data), "acme")
			n, err := a.log.Verify(ctx, "acme")
			mustFail(t, name, err)
			if n != 3 {
				t.Errorf("%s: verified %d entries before the problem, want 3", name, n)
			}
			mustFail(t, name+": append", a.log.Record(ctx, audit.Event{Tenant: "acme", Action: "forward"}))
		}
	})
}

// Deleting a tenant's whole chain, head included, is found through the
// registry, and the chain is not silently started again.
func TestVerifyFindsWipedChain(t *testing.T) {
	eachStore(t, func(t *testing.T, a anchored) {
		ctx := context.Background()
		a.record(t, "acme", 3)
		a.record(t, "globex", 2)
		if n := a.db.Exec(t, `DELETE FROM records WHERE tenant = ? AND kind IN ('audit', 'audit_head')`, "acme"); n != 4 {
			t.Fatalf("deleted %d rows, want 4", n)
		}
		_, err := a.log.Verify(ctx, "acme")
		mustFail(t, "verify", err)
		results, err := a.log.VerifyAll(ctx, vault.DefaultTenant)
		if err != nil {
			t.Fatal(err)
		}
		bad := map[string]bool{}
		for _, r := range results {
			bad[r.Tenant] = r.Err != nil
		}
		if !bad["acme"] || bad["globex"] || bad[vault.DefaultTenant] {
			t.Fatalf("VerifyAll: %+v", results)
		}
		mustFail(t, "append", a.log.Record(ctx, audit.Event{Tenant: "acme", Action: "forward"}))
		a.record(t, "globex", 1) // other tenants go on

		// Taking the tenant out of the registry needs the registry's MAC.
		a.db.Exec(t, `UPDATE records SET data = ? WHERE kind = 'audit_registry'`, []byte(`{"tenants":["globex"],"mac":null}`))
		_, err = a.log.Verify(ctx, "globex")
		mustFail(t, "edited registry", err)
	})
}

// A checkpoint pins every head: a chain rewritten by someone holding the
// keys, or rolled back to an older copy (whose head MAC is genuine), still
// verifies on its own but not against the checkpoint.
func TestCheckpointFindsRewriteAndRollback(t *testing.T) {
	eachStore(t, func(t *testing.T, a anchored) {
		ctx := context.Background()
		a.record(t, "acme", 5)
		a.record(t, "globex", 1)
		cp, err := a.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cp.Statement.Heads) != 2 || cp.Statement.Heads[0].Tenant != "acme" || cp.Statement.Heads[0].Seq != 5 {
			t.Fatalf("checkpoint heads: %+v", cp.Statement.Heads)
		}
		a.record(t, "acme", 2) // growing after the checkpoint is fine
		checkpointOK(t, a, cp, true)

		if err := a.log.RewriteWithKeys(ctx, "acme", 2, "nothing.to.see"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.log.Verify(ctx, "acme"); err != nil {
			t.Fatalf("the rewrite with the keys should pass plain verify (that is what checkpoints are for): %v", err)
		}
		checkpointOK(t, a, cp, false)
	})
	eachStore(t, func(t *testing.T, a anchored) {
		ctx := context.Background()
		a.record(t, "acme", 3)
		oldHead, _ := a.db.Store.GetRecord(ctx, "audit_head", "acme", time.Time{})
		a.record(t, "acme", 2)
		cp, err := a.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Roll back: delete entries 4 and 5, put back the head as it was at 3.
		a.db.Exec(t, `DELETE FROM records WHERE kind = 'audit' AND tenant = ? AND id > ?`, "acme", "acme/00000000000000000003")
		a.db.Exec(t, `UPDATE records SET data = ? WHERE kind = 'audit_head' AND id = ?`, oldHead.Data, "acme")
		if _, err := a.log.Verify(ctx, "acme"); err != nil {
			t.Fatalf("a replayed genuine head passes plain verify: %v", err)
		}
		checkpointOK(t, a, cp, false)
	})
}

// checkpointOK verifies cp and checks the outcome for tenant acme.
func checkpointOK(t *testing.T, a anchored, cp audit.Checkpoint, want bool) {
	t.Helper()
	results, err := a.log.VerifyCheckpoint(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Tenant == "acme" && (r.Err == nil) != want {
			t.Fatalf("acme against the checkpoint: %v, want ok=%v", r.Err, want)
		}
		if r.Err != nil && !errors.Is(r.Err, audit.ErrTampered) {
			t.Fatalf("%s: %v", r.Tenant, r.Err)
		}
	}
}

// A checkpoint whose statement was edited, or that another vault's master
// key signed, is refused before anything is compared.
func TestForgedCheckpointIsRefused(t *testing.T) {
	ctx := context.Background()
	l, s := newLog(t)
	for range 3 {
		if err := l.Record(ctx, audit.Event{Tenant: "default", Action: "forward"}); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(cp, "", "  ")
	var round audit.Checkpoint
	if err := json.Unmarshal(b, &round); err != nil {
		t.Fatal(err)
	}
	if _, err := l.VerifyCheckpoint(ctx, round); err != nil {
		t.Fatalf("a re-indented checkpoint: %v", err)
	}
	lowered := round
	lowered.Statement.Heads = []audit.HeadState{{Tenant: "default", Seq: 1, Hash: round.Statement.Heads[0].Hash}}
	other := audit.New(s, testMAC("k1"), testKeys(t, 2), nil)
	forged, err := other.Checkpoint(ctx)
	if err == nil {
		t.Fatal("another master key checkpointed a chain whose heads it cannot check")
	}
	forged = round
	forged.Signature = append([]byte(nil), round.Signature...)
	forged.Signature[0] ^= 1
	for name, c := range map[string]audit.Checkpoint{
		"edited statement": lowered,
		"bad signature":    forged,
		"other version":    {Statement: round.Statement, KeyVersion: 2, Signature: round.Signature},
		"no signature":     {Statement: round.Statement, KeyVersion: 1},
	} {
		if _, err := l.VerifyCheckpoint(ctx, c); !errors.Is(err, audit.ErrBadCheckpoint) {
			t.Errorf("%s: got %v, want ErrBadCheckpoint", name, err)
		}
	}
	if !strings.Contains(string(b), `"format": "cardvault-audit-checkpoint/v1"`) {
		t.Errorf("checkpoint JSON: %s", b)
	}
}
