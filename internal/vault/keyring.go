package vault

import "github.com/cardvault/cardvault/internal/seal"

// Keyring returns the master keys the service wraps and unwraps with, for
// key rotation.
func (s *Service) Keyring() *seal.Keyring { return s.keyring }
