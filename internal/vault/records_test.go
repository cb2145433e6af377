package vault_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// note is a record value for the tests of RecordType.
type note struct {
	Name   string `json:"name"`
	Group  string `json:"group"`
	Secret string `json:"secret"`
}

var notes = vault.NewRecordType("test_note", 1,
	func(n *note) string { return n.Name }, func(n *note) string { return n.Group })

func newNotes(t *testing.T) (*vaulttest.Core, vault.Stored[note]) {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	if _, err := c.Vault.CreateTenant(context.Background(), "other", "Other"); err != nil {
		t.Fatal(err)
	}
	n, err := notes.Put(context.Background(), c.Vault, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "n1",
		Value: note{Name: "first", Group: "g", Secret: "s3cret-value"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

func TestRecordTypeSealsAndBindsToTenant(t *testing.T) {
	c, n := newNotes(t)
	ctx := context.Background()
	raw, err := c.Store.GetRecord(ctx, "test_note", n.ID, c.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw.Data), "s3cret-value") || raw.Key != "first" || raw.Parent != "g" || n.Version != 1 {
		t.Fatalf("stored %+v", raw)
	}
	if got, err := notes.Get(ctx, c.Vault, vault.DefaultTenant, n.ID); err != nil || got.Value != n.Value {
		t.Fatalf("get: %+v %v", got, err)
	}
	if got, err := notes.ByKey(ctx, c.Vault, vault.DefaultTenant, "first"); err != nil || got.ID != n.ID {
		t.Fatalf("by key: %+v %v", got, err)
	}
	if _, err := notes.Get(ctx, c.Vault, "other", n.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("another tenant reads the note: %v", err)
	}
	if _, err := notes.ByKey(ctx, c.Vault, "other", "first"); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("another tenant finds the note by key: %v", err)
	}
	if l, err := notes.List(ctx, c.Vault, "other", "", vault.Page{}); err != nil || len(l) != 0 {
		t.Errorf("another tenant lists %d notes, %v", len(l), err)
	}
	if got, err := notes.GetAnyTenant(ctx, c.Vault, n.ID); err != nil || got.Tenant != vault.DefaultTenant {
		t.Errorf("any tenant: %+v %v", got, err)
	}
}

// A writer to the store can change every clear column of a record; none
// of those changes makes the record read as something else.
func TestRecordTypeRefusesMovedRecords(t *testing.T) {
	for name, tamper := range map[string]func(r *vault.Record){
		"moved to another tenant": func(r *vault.Record) { r.Tenant = "other" },
		"re-keyed":                func(r *vault.Record) { r.Key = "second" },
		"re-parented":             func(r *vault.Record) { r.Parent = "h" },
		"renamed":                 func(r *vault.Record) { r.ID = "n2" },
		"life extended":           func(r *vault.Record) { r.ExpiresAt = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) },
		"schema changed":          func(r *vault.Record) { r.Data = []byte(strings.Replace(string(r.Data), `"v":1`, `"v":2`, 1)) },
	} {
		t.Run(name, func(t *testing.T) {
			c, n := newNotes(t)
			ctx := context.Background()
			r, err := c.Store.GetRecord(ctx, "test_note", n.ID, c.Vault.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Store.DeleteRecord(ctx, r.Tenant, r.Kind, r.ID); err != nil {
				t.Fatal(err)
			}
			tamper(&r)
			if err := c.Store.CreateRecord(ctx, r); err != nil {
				t.Fatal(err)
			}
			for read, get := range map[string]func() (vault.Stored[note], error){
				"get":    func() (vault.Stored[note], error) { return notes.Get(ctx, c.Vault, r.Tenant, r.ID) },
				"by key": func() (vault.Stored[note], error) { return notes.ByKey(ctx, c.Vault, r.Tenant, r.Key) },
				"any":    func() (vault.Stored[note], error) { return notes.GetAnyTenant(ctx, c.Vault, r.ID) },
				"list": func() (vault.Stored[note], error) {
					l, err := notes.List(ctx, c.Vault, r.Tenant, "", vault.Page{})
					if err == nil && len(l) > 0 {
						return l[0], nil
					}
					return vault.Stored[note]{}, errors.Join(err, errors.New("empty"))
				},
			} {
				if got, err := get(); err == nil || errors.Is(err, vault.ErrNotFound) && read != "list" {
					t.Errorf("%s read the tampered record: %+v, %v", read, got.Value, err)
				}
			}
		})
	}
}

func TestRecordTypeUpdateIsVersionChecked(t *testing.T) {
	c, n := newNotes(t)
	ctx := context.Background()
	n.Value.Secret = "changed"
	saved, err := notes.Update(ctx, c.Vault, n)
	if err != nil || saved.Version != 2 {
		t.Fatalf("update: %+v %v", saved, err)
	}
	if _, err := notes.Update(ctx, c.Vault, n); !errors.Is(err, vault.ErrConflict) {
		t.Errorf("a stale update: %v", err)
	}
	if got, _ := notes.Get(ctx, c.Vault, vault.DefaultTenant, n.ID); got.Value.Secret != "changed" {
		t.Errorf("read back %+v", got.Value)
	}
	if err := notes.Delete(ctx, c.Vault, "other", n.ID); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("another tenant deletes the note: %v", err)
	}
}
