package pcivault

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// PreviewUser is the user key that capture endpoints for previews (the
// operator console's live preview of a hosted form) seal to. It is made
// with a random passphrase that is never shown nor kept, so what is typed
// into a preview can be stored but never read back by anyone: not by the
// operator, not by a reader of the store, not by the vault.
const PreviewUser = "cardvault-console-preview"

// MaxPreviewTTL bounds a preview endpoint's life.
const MaxPreviewTTL = 15 * time.Minute

// PreviewCapture makes a short-lived capture endpoint for a live preview of
// a hosted form: sealed to PreviewUser (created on first use, with a
// passphrase nobody knows), expiring after ttl (at most MaxPreviewTTL).
// It needs no passphrase, and none exists that could reveal what it
// captures.
func (p *Service) PreviewCapture(ctx context.Context, tenant string, ttl time.Duration) (Capture, error) {
	if ttl <= 0 || ttl > MaxPreviewTTL {
		return Capture{}, vault.Invalid("ttl", "a preview lives between 1s and %s", MaxPreviewTTL)
	}
	u, err := p.loadUser(ctx, p.s, tenant, PreviewUser)
	if vault.CodeOf(err) == vault.CodeNotFound {
		// The passphrase is discarded as soon as the key is wrapped.
		if _, _, err = p.CreateUserKey(ctx, tenant, PreviewUser, seal.NewSecret()); err != nil && vault.CodeOf(err) != vault.CodeConflict {
			return Capture{}, err
		}
		u, err = p.loadUser(ctx, p.s, tenant, PreviewUser)
	}
	if err != nil {
		return Capture{}, err
	}
	c, err := p.newCapture(ctx, tenant, u, seal.RandomID(22), ttl, nil)
	if errors.Is(err, vault.ErrConflict) { // a random id taken: try once more
		c, err = p.newCapture(ctx, tenant, u, seal.RandomID(22), ttl, nil)
	}
	return c, err
}
