package vault

import "github.com/cardvault/cardvault/internal/seal"

// Keyring returns the master keyring, for the audit log's anchors (MACs
// and checkpoint signatures under keys derived from the master key).
func (s *Service) Keyring() *seal.Keyring { return s.keyring }
