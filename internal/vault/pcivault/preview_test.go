package pcivault_test

import (
	"context"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// TestPreviewCaptureCanNeverBeRead: a preview endpoint captures like any
// other, lives at most MaxPreviewTTL, and what it captured cannot be read
// back: its user key's passphrase was never kept.
func TestPreviewCaptureCanNeverBeRead(t *testing.T) {
	pvStores(t, func(t *testing.T, p *pcivault.Service) {
		ctx := context.Background()
		if _, err := p.PreviewCapture(ctx, vault.DefaultTenant, time.Hour); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("a preview of an hour: %v", err)
		}
		c, err := p.PreviewCapture(ctx, vault.DefaultTenant, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.User != pcivault.PreviewUser || c.Secret == "" || c.ExpiresAt.IsZero() || c.ExpiresAt.Sub(c.CreatedAt) != 10*time.Minute {
			t.Errorf("preview endpoint %+v", c)
		}
		again, err := p.PreviewCapture(ctx, vault.DefaultTenant, time.Minute)
		if err != nil || again.ID == c.ID || again.Secret == c.Secret {
			t.Fatalf("a second preview: %+v %v", again, err)
		}
		_, ref, err := p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Data: []byte(`{"card_number":"4111111111111111"}`)})
		if err != nil {
			t.Fatal(err)
		}
		// No passphrase opens it; the user key exists once.
		for _, guess := range []string{"", pvPass, c.Secret, again.Secret} {
			if _, data, err := p.RevealEntry(ctx, vault.DefaultTenant, pcivault.PreviewUser, guess, ref.Token, ref.Reference); err == nil || len(data) != 0 {
				t.Errorf("the preview's capture opened with %q", guess)
			}
		}
		users, _, err := p.ListUserKeys(ctx, vault.DefaultTenant, vault.Page{Limit: 10})
		if err != nil || len(users) != 1 {
			t.Errorf("user keys %v %v, want the preview's only", users, err)
		}
	})
}
