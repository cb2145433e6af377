package metered

import "github.com/cardvault/cardvault/internal/vault"

// AtCommit forwards vault.CommitHolder: the view's calls are timed too
// (a held write's own call then costs nothing; its time is the commit's).
func (s *Store) AtCommit() vault.Store { return s.with(vault.AtCommit(s.next)) }
