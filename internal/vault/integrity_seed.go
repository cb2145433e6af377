package vault

import (
	"context"
	"errors"
	"fmt"
)

// MetaIntegritySeed names the meta value holding the integrity seed,
// wrapped by the master key: the integrity tags and audit checkpoints are
// made with keys derived from it, so they survive a master key rotation
// (which re-wraps it) and work with a master key in an HSM.
const MetaIntegritySeed = "integrity_seed"

// useIntegritySeed loads (making it on first start) the integrity seed and
// installs it in the keyring.
func (s *Service) useIntegritySeed(ctx context.Context) error {
	seed, err := s.store.GetMeta(ctx, MetaIntegritySeed)
	if errors.Is(err, ErrNotFound) {
		if seed, err = s.keyring.NewIntegritySeed(); err != nil {
			return err
		}
		err = s.store.InsertMeta(ctx, MetaIntegritySeed, seed)
		if errors.Is(err, ErrConflict) { // another node won the race
			seed, err = s.store.GetMeta(ctx, MetaIntegritySeed)
		}
	}
	if err != nil {
		return fmt.Errorf("read integrity seed: %w", err)
	}
	if err := s.keyring.UseIntegritySeed(seed); err != nil {
		return fmt.Errorf("open integrity seed: %w", err)
	}
	return nil
}
