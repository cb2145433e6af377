package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// RecordType is one kind of record whose value is a Go type T. It is the
// only code that encodes, seals, opens and decodes record data, so every
// domain built on records gets the same guarantees by construction:
//
//   - The whole value is JSON-encoded and sealed under the tenant's data
//     key. The store sees only the clear columns: tenant, kind, id, key,
//     parent and the times.
//   - The ciphertext is bound (AAD) to the tenant, the kind, the id, the
//     record's clear key, parent and expiry, and the schema version. A
//     writer to the store who moves a record to another tenant, renames,
//     re-keys, re-parents it or extends its life, or copies its data onto
//     another record, makes it fail to open rather than read as something
//     else.
//   - Every read is bound to a tenant: another tenant's record is not
//     found, exactly like a missing one. The one exception says so in its
//     name (GetAnyTenant) and is for ids that are themselves the
//     credential (capture endpoints, sessions).
//
// Reads and writes take the *Service to run on: the service itself, or the
// one Service.Tx hands to a transaction. Store errors come back as the
// store's sentinels (ErrNotFound, ErrConflict, possibly wrapped), so a
// domain chooses its own public message; a record that fails to open or
// decode is an internal error.
type RecordType[T any] struct {
	kind   string
	schema int
	key    func(*T) string
	parent func(*T) string
	// plainAAD is aadField of a record without key, parent or expiry.
	plainAAD string
}

// NewRecordType declares a kind of record. schema is the version of T's
// encoding, stamped on every record and checked on every read. key, when not
// nil, gives a record's lookup key (unique per tenant and kind); parent,
// when not nil, the group it belongs to. Both are kept in the clear and
// bound into the ciphertext.
func NewRecordType[T any](kind string, schema int, key, parent func(*T) string) *RecordType[T] {
	if key == nil {
		key = func(*T) string { return "" }
	}
	if parent == nil {
		parent = func(*T) string { return "" }
	}
	rt := &RecordType[T]{kind: kind, schema: schema, key: key, parent: parent}
	rt.plainAAD = rt.aadField("", "", time.Time{})
	return rt
}

// Kind returns the kind the type was declared with.
func (rt *RecordType[T]) Kind() string { return rt.kind }

// Stored is a record of kind T as the vault reads and writes it.
type Stored[T any] struct {
	Tenant string
	// ID is unique per kind across the whole vault.
	ID    string
	Value T
	// Version is the optimistic-lock version: 1 when created, one more with
	// each update. Update fails with ErrConflict when it moved on.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt, when not zero, is when the record is deleted.
	ExpiresAt time.Time
}

// envelope is what a typed record's Data holds.
type envelope struct {
	Schema int    `json:"v"`
	Sealed []byte `json:"sealed"`
}

// aadField binds kind, key, parent, expiry and schema into a ciphertext's
// field, each string prefixed by its length so that no two tuples encode the
// same. The expiry is bound to the microsecond, the precision both stores keep.
func (rt *RecordType[T]) aadField(key, parent string, expires time.Time) string {
	if key == "" && parent == "" && expires.IsZero() && rt.plainAAD != "" {
		return rt.plainAAD
	}
	b := []byte("record/")
	b = strconv.AppendInt(b, int64(rt.schema), 10)
	b = append(b, "/exp:"...)
	if !expires.IsZero() {
		b = strconv.AppendInt(b, expires.UnixMicro(), 10)
	}
	for _, s := range []string{rt.kind, key, parent} {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b)
}

// encode turns r into a store record, sealing its value.
func (rt *RecordType[T]) encode(ctx context.Context, s *Service, r *Stored[T]) (Record, error) {
	tk, err := s.keysFor(ctx, r.Tenant)
	if err != nil {
		return Record{}, err
	}
	return rt.encodeWith(tk, r)
}

// encodeWith is encode under tk, the keys of r's tenant.
func (rt *RecordType[T]) encodeWith(tk *tenantKeys, r *Stored[T]) (Record, error) {
	raw, err := json.Marshal(r.Value)
	if err != nil {
		return Record{}, fmt.Errorf("encode %s record: %w", rt.kind, err)
	}
	key, parent := rt.key(&r.Value), rt.parent(&r.Value)
	sealed, err := tk.sealer.Seal(raw, seal.AAD{Tenant: r.Tenant, Record: r.ID, Field: rt.aadField(key, parent, r.ExpiresAt)})
	if err != nil {
		return Record{}, err
	}
	return Record{Tenant: r.Tenant, Kind: rt.kind, ID: r.ID, Key: key, Parent: parent, Data: appendEnvelope(nil, rt.schema, sealed),
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt}, nil
}

// decode opens a store record of this kind.
func (rt *RecordType[T]) decode(ctx context.Context, s *Service, r Record) (Stored[T], error) {
	out := Stored[T]{Tenant: r.Tenant, ID: r.ID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ExpiresAt: r.ExpiresAt}
	raw, err := rt.open(ctx, s, r)
	if err != nil {
		return out, err
	}
	if d, ok := any(&out.Value).(DirectDecoder); ok && d.DecodeDirect(raw) {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out.Value); err != nil {
		return out, fmt.Errorf("decode %s record %s: %w", rt.kind, r.ID, err)
	}
	return out, nil
}

// open checks a store record's kind and schema and opens its value under
// the record's binding, without decoding it.
func (rt *RecordType[T]) open(ctx context.Context, s *Service, r Record) ([]byte, error) {
	if r.Kind != rt.kind {
		return nil, fmt.Errorf("record %s is a %q, not a %q", r.ID, r.Kind, rt.kind)
	}
	env, err := parseEnvelope(r.Data)
	if err != nil {
		return nil, fmt.Errorf("decode %s record %s: %w", rt.kind, r.ID, err)
	}
	if env.Schema != rt.schema {
		return nil, fmt.Errorf("%s record %s has schema %d, want %d", rt.kind, r.ID, env.Schema, rt.schema)
	}
	raw, err := s.Open(ctx, r.Tenant, r.ID, rt.aadField(r.Key, r.Parent, r.ExpiresAt), env.Sealed)
	if err != nil {
		return nil, fmt.Errorf("open %s record %s: %w", rt.kind, r.ID, err)
	}
	return raw, nil
}

// DirectDecoder is a record value (implemented on its pointer) that parses
// the exact JSON encoding/json.Marshal writes for it, faster than
// encoding/json's reflective decoder, which scans every byte twice (once to
// validate, once to decode). DecodeDirect reports false, leaving the value
// as it was, for anything else; encoding/json then decodes it and has the
// last word. A type that implements it has a fuzz test checking that both
// agree wherever DecodeDirect answers (as parseEnvelope's does).
type DirectDecoder interface {
	DecodeDirect(raw []byte) bool
}

// Put creates r. A zero CreatedAt or UpdatedAt becomes now, Version becomes
// 1, and the stored copy is returned. ErrConflict if the id, or the value's
// key within the tenant, is taken.
func (rt *RecordType[T]) Put(ctx context.Context, s *Service, r Stored[T]) (Stored[T], error) {
	sr, err := rt.Seal(ctx, s, r)
	if err != nil {
		return Stored[T]{}, err
	}
	return rt.PutSealed(ctx, s, sr)
}

// Sealed is a new record of kind T encoded and sealed by Seal, for
// PutSealed to create.
type Sealed[T any] struct {
	r   Stored[T]
	rec Record
}

// Seal encodes and seals r as Put would create it (a zero CreatedAt or
// UpdatedAt becomes now, Version 1), so that a transaction body only
// writes it (PutSealed): sealing need not run in a store's serial commit
// section. The sealing key is the tenant's current data key when Seal runs.
func (rt *RecordType[T]) Seal(ctx context.Context, s *Service, r Stored[T]) (Sealed[T], error) {
	now := s.Now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	r.Version = 1
	rec, err := rt.encode(ctx, s, &r)
	if err != nil {
		return Sealed[T]{}, err
	}
	return Sealed[T]{r: r, rec: rec}, nil
}

// PutSealed creates the record Seal made, as Put does, and returns the
// stored copy; it can be called again (a retried transaction).
func (rt *RecordType[T]) PutSealed(ctx context.Context, s *Service, sr Sealed[T]) (Stored[T], error) {
	if sr.rec.Kind != rt.kind {
		return Stored[T]{}, fmt.Errorf("a sealed %q record is not a %q", sr.rec.Kind, rt.kind)
	}
	if err := s.store.CreateRecord(ctx, sr.rec); err != nil {
		return Stored[T]{}, err
	}
	return sr.r, nil
}

// Get returns a live record of the tenant. A missing record, and another
// tenant's, is ErrNotFound.
func (rt *RecordType[T]) Get(ctx context.Context, s *Service, tenant, id string) (Stored[T], error) {
	r, err := s.store.GetRecord(ctx, rt.kind, id, s.Now())
	if err != nil {
		return Stored[T]{}, err
	}
	return rt.decodeOf(ctx, s, tenant, r)
}

// decodeOf opens a record read for tenant: another tenant's record is
// ErrNotFound, exactly like a missing one.
func (rt *RecordType[T]) decodeOf(ctx context.Context, s *Service, tenant string, r Record) (Stored[T], error) {
	if r.Tenant != tenant {
		return Stored[T]{}, fmt.Errorf("%s record of another tenant: %w", rt.kind, ErrNotFound)
	}
	return rt.decode(ctx, s, r)
}

// GetAnyTenant returns a live record by id whatever its tenant. Only for
// ids that are themselves a credential presented without a tenant (a
// capture endpoint's id, a session's secret); everything else uses Get.
func (rt *RecordType[T]) GetAnyTenant(ctx context.Context, s *Service, id string) (Stored[T], error) {
	r, err := s.store.GetRecord(ctx, rt.kind, id, s.Now())
	if err != nil {
		return Stored[T]{}, err
	}
	return rt.decode(ctx, s, r)
}

// ByKey returns the tenant's live record with that lookup key, or ErrNotFound.
func (rt *RecordType[T]) ByKey(ctx context.Context, s *Service, tenant, key string) (Stored[T], error) {
	r, err := s.store.RecordByKey(ctx, tenant, rt.kind, key, s.Now())
	if err != nil {
		return Stored[T]{}, err
	}
	if r.Tenant != tenant || r.Key != key {
		return Stored[T]{}, fmt.Errorf("%s record answered for another key: %w", rt.kind, ErrNotFound)
	}
	return rt.decode(ctx, s, r)
}

// List pages through the tenant's live records in id order, only those of
// parent when it is not empty.
func (rt *RecordType[T]) List(ctx context.Context, s *Service, tenant, parent string, p Page) ([]Stored[T], error) {
	rs, err := s.store.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: rt.kind, Parent: parent, Page: p}, s.Now())
	if err != nil {
		return nil, err
	}
	out := make([]Stored[T], 0, len(rs))
	for _, r := range rs {
		if r.Tenant != tenant || (parent != "" && r.Parent != parent) {
			return nil, fmt.Errorf("%s list answered a record outside its query", rt.kind)
		}
		v, err := rt.decode(ctx, s, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// All reads every live record of the tenant (and of parent, when not
// empty), page by page.
func (rt *RecordType[T]) All(ctx context.Context, s *Service, tenant, parent string) ([]Stored[T], error) {
	var out []Stored[T]
	p := Page{Limit: 500}
	for {
		page, err := rt.List(ctx, s, tenant, parent, p)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < p.Limit {
			return out, nil
		}
		p.After = page[len(page)-1].ID
	}
}

// Update stores r's value and expiry (key and parent follow the value) if
// the stored version is still r.Version, and returns the record with its
// new version. ErrNotFound if it is gone; ErrConflict if it changed since
// it was read or the new key is taken.
func (rt *RecordType[T]) Update(ctx context.Context, s *Service, r Stored[T]) (Stored[T], error) {
	r.UpdatedAt = s.Now()
	rec, err := rt.encode(ctx, s, &r)
	if err != nil {
		return Stored[T]{}, err
	}
	saved, err := s.store.UpdateRecord(ctx, rec, r.UpdatedAt)
	if err != nil {
		return Stored[T]{}, err
	}
	r.Version, r.UpdatedAt = saved.Version, saved.UpdatedAt
	return r, nil
}

// Delete removes a record of the tenant; ErrNotFound if absent.
func (rt *RecordType[T]) Delete(ctx context.Context, s *Service, tenant, id string) error {
	return s.store.DeleteRecord(ctx, tenant, rt.kind, id)
}

// DeleteIfPresent removes a record of the tenant; a missing one is not an error.
func (rt *RecordType[T]) DeleteIfPresent(ctx context.Context, s *Service, tenant, id string) error {
	if err := rt.Delete(ctx, s, tenant, id); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// DeleteByParent removes every record of the tenant with that parent and
// reports how many went.
func (rt *RecordType[T]) DeleteByParent(ctx context.Context, s *Service, tenant, parent string) (int, error) {
	return s.store.DeleteRecords(ctx, tenant, rt.kind, parent)
}

// RecordPlaintext opens a raw record of any kind written by a RecordType
// and returns its value as JSON, after the same binding checks as a read.
// It is for tests and tools that inspect what the store holds; domains read
// through their RecordType.
func (s *Service) RecordPlaintext(ctx context.Context, r Record) (json.RawMessage, error) {
	var env envelope
	if err := json.Unmarshal(r.Data, &env); err != nil {
		return nil, fmt.Errorf("decode %s record %s: %w", r.Kind, r.ID, err)
	}
	rt := RecordType[json.RawMessage]{kind: r.Kind, schema: env.Schema}
	return s.Open(ctx, r.Tenant, r.ID, rt.aadField(r.Key, r.Parent, r.ExpiresAt), env.Sealed)
}
