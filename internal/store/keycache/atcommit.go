package keycache

import "github.com/cardvault/cardvault/internal/vault"

// AtCommit forwards vault.CommitHolder; the view still drops the keys it
// changes from the cache.
func (t *txStore) AtCommit() vault.Store {
	return &txStore{Store: vault.AtCommit(t.Store), cache: t.cache, changed: t.changed}
}
