package metered

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// InsertMeta times the call it wraps.
func (s *Store) InsertMeta(ctx context.Context, key string, value []byte) error {
	return timedErr(s, "insert_meta", func() error { return s.next.InsertMeta(ctx, key, value) })
}

// GetMeta times the call it wraps.
func (s *Store) GetMeta(ctx context.Context, key string) ([]byte, error) {
	return timed(s, "get_meta", func() ([]byte, error) { return s.next.GetMeta(ctx, key) })
}

// CreateTenant times the call it wraps.
func (s *Store) CreateTenant(ctx context.Context, t vault.Tenant) error {
	return timedErr(s, "create_tenant", func() error { return s.next.CreateTenant(ctx, t) })
}

// GetTenant times the call it wraps.
func (s *Store) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	return timed(s, "get_tenant", func() (vault.Tenant, error) { return s.next.GetTenant(ctx, id) })
}

// InsertKey times the call it wraps.
func (s *Store) InsertKey(ctx context.Context, k vault.WrappedKey) error {
	return timedErr(s, "insert_key", func() error { return s.next.InsertKey(ctx, k) })
}

// ListKeys times the call it wraps.
func (s *Store) ListKeys(ctx context.Context, tenant, purpose string) ([]vault.WrappedKey, error) {
	return timed(s, "list_keys", func() ([]vault.WrappedKey, error) { return s.next.ListKeys(ctx, tenant, purpose) })
}

// CreateAPIKey times the call it wraps.
func (s *Store) CreateAPIKey(ctx context.Context, k vault.APIKey) error {
	return timedErr(s, "create_api_key", func() error { return s.next.CreateAPIKey(ctx, k) })
}

// APIKeyByHash times the call it wraps.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	return timed(s, "api_key_by_hash", func() (vault.APIKey, error) { return s.next.APIKeyByHash(ctx, hash) })
}

// GetAPIKey times the call it wraps.
func (s *Store) GetAPIKey(ctx context.Context, tenant, id string) (vault.APIKey, error) {
	return timed(s, "get_api_key", func() (vault.APIKey, error) { return s.next.GetAPIKey(ctx, tenant, id) })
}

// ListAPIKeys times the call it wraps.
func (s *Store) ListAPIKeys(ctx context.Context, tenant string, p vault.Page) ([]vault.APIKey, error) {
	return timed(s, "list_api_keys", func() ([]vault.APIKey, error) { return s.next.ListAPIKeys(ctx, tenant, p) })
}

// UpdateAPIKey times the call it wraps.
func (s *Store) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	return timedErr(s, "update_api_key", func() error { return s.next.UpdateAPIKey(ctx, k, old) })
}

// RevokeAPIKey times the call it wraps.
func (s *Store) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	return timedErr(s, "revoke_api_key", func() error { return s.next.RevokeAPIKey(ctx, tenant, id, at, integrity, old) })
}

// CreateCard times the call it wraps.
func (s *Store) CreateCard(ctx context.Context, c vault.Card) error {
	return timedErr(s, "create_card", func() error { return s.next.CreateCard(ctx, c) })
}

// GetCard times the call it wraps.
func (s *Store) GetCard(ctx context.Context, tenant, id string, now time.Time) (vault.Card, error) {
	return timed(s, "get_card", func() (vault.Card, error) { return s.next.GetCard(ctx, tenant, id, now) })
}

// UpdateCard times the call it wraps.
func (s *Store) UpdateCard(ctx context.Context, c vault.Card, now time.Time) error {
	return timedErr(s, "update_card", func() error { return s.next.UpdateCard(ctx, c, now) })
}

// DeleteCard times the call it wraps.
func (s *Store) DeleteCard(ctx context.Context, tenant, id string) error {
	return timedErr(s, "delete_card", func() error { return s.next.DeleteCard(ctx, tenant, id) })
}

// ListCards times the call it wraps.
func (s *Store) ListCards(ctx context.Context, tenant string, p vault.Page, now time.Time) ([]vault.Card, error) {
	return timed(s, "list_cards", func() ([]vault.Card, error) { return s.next.ListCards(ctx, tenant, p, now) })
}

// CardsByFingerprint times the call it wraps.
func (s *Store) CardsByFingerprint(ctx context.Context, tenant, fp string, now time.Time) ([]vault.Card, error) {
	return timed(s, "cards_by_fingerprint", func() ([]vault.Card, error) { return s.next.CardsByFingerprint(ctx, tenant, fp, now) })
}

// CreateRecord times the call it wraps.
func (s *Store) CreateRecord(ctx context.Context, r vault.Record) error {
	return timedErr(s, "create_record", func() error { return s.next.CreateRecord(ctx, r) })
}

// GetRecord times the call it wraps.
func (s *Store) GetRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	return timed(s, "get_record", func() (vault.Record, error) { return s.next.GetRecord(ctx, kind, id, now) })
}

// RecordByKey times the call it wraps.
func (s *Store) RecordByKey(ctx context.Context, tenant, kind, key string, now time.Time) (vault.Record, error) {
	return timed(s, "record_by_key", func() (vault.Record, error) { return s.next.RecordByKey(ctx, tenant, kind, key, now) })
}

// UpdateRecord times the call it wraps.
func (s *Store) UpdateRecord(ctx context.Context, r vault.Record, now time.Time) (vault.Record, error) {
	return timed(s, "update_record", func() (vault.Record, error) { return s.next.UpdateRecord(ctx, r, now) })
}

// DeleteRecord times the call it wraps.
func (s *Store) DeleteRecord(ctx context.Context, tenant, kind, id string) error {
	return timedErr(s, "delete_record", func() error { return s.next.DeleteRecord(ctx, tenant, kind, id) })
}

// ListRecords times the call it wraps.
func (s *Store) ListRecords(ctx context.Context, q vault.RecordQuery, now time.Time) ([]vault.Record, error) {
	return timed(s, "list_records", func() ([]vault.Record, error) { return s.next.ListRecords(ctx, q, now) })
}

// DeleteRecords times the call it wraps.
func (s *Store) DeleteRecords(ctx context.Context, tenant, kind, parent string) (int, error) {
	return timed(s, "delete_records", func() (int, error) { return s.next.DeleteRecords(ctx, tenant, kind, parent) })
}

// DeleteExpired times the call it wraps.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	return timed(s, "delete_expired", func() (int, error) { return s.next.DeleteExpired(ctx, now, limit) })
}

// ReplaceMeta times the call it wraps.
func (s *Store) ReplaceMeta(ctx context.Context, key string, old, value []byte) error {
	return timedErr(s, "replace_meta", func() error { return s.next.ReplaceMeta(ctx, key, old, value) })
}

// ReplaceKey times the call it wraps.
func (s *Store) ReplaceKey(ctx context.Context, k vault.WrappedKey, old []byte) error {
	return timedErr(s, "replace_key", func() error { return s.next.ReplaceKey(ctx, k, old) })
}

// ResealCard times the call it wraps.
func (s *Store) ResealCard(ctx context.Context, c, old vault.Card) error {
	return timedErr(s, "reseal_card", func() error { return s.next.ResealCard(ctx, c, old) })
}

// DeleteKey times the call it wraps.
func (s *Store) DeleteKey(ctx context.Context, k vault.WrappedKey) error {
	return timedErr(s, "delete_key", func() error { return s.next.DeleteKey(ctx, k) })
}

// ResealRecord times the call it wraps.
func (s *Store) ResealRecord(ctx context.Context, r, old vault.Record) error {
	return timedErr(s, "reseal_record", func() error { return s.next.ResealRecord(ctx, r, old) })
}

// ListTenants times the call it wraps.
func (s *Store) ListTenants(ctx context.Context, p vault.Page) ([]vault.Tenant, error) {
	return timed(s, "list_tenants", func() ([]vault.Tenant, error) { return s.next.ListTenants(ctx, p) })
}

// DisableTenant times the call it wraps.
func (s *Store) DisableTenant(ctx context.Context, id string, at time.Time, integrity, old []byte) error {
	return timedErr(s, "disable_tenant", func() error { return s.next.DisableTenant(ctx, id, at, integrity, old) })
}

// TagTenant times the call it wraps.
func (s *Store) TagTenant(ctx context.Context, id string, integrity []byte) error {
	return timedErr(s, "tag_tenant", func() error { return s.next.TagTenant(ctx, id, integrity) })
}

// CreateRecords times a batch of records created at once (vault.RecordBatcher).
func (s *Store) CreateRecords(ctx context.Context, records []vault.Record) error {
	return timedErr(s, "create_records", func() error { return vault.CreateRecords(ctx, s.next, records) })
}

// DeleteRecordIDs times a batch delete (vault.RecordIDDeleter).
func (s *Store) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	return timed(s, "delete_record_ids", func() (int, error) { return vault.DeleteRecordIDs(ctx, s.next, tenant, kind, ids) })
}
