package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/vault"
)

// CardSource yields a tenant's cards, opened; vault.Service is one.
type CardSource interface {
	EachCard(ctx context.Context, tenant string, fn func(vault.RevealedCard) error) error
}

// Export writes every live card of tenant to w as JSON Lines encrypted to
// recipient with age: a header, one line per card, an end line with the
// count. It streams: memory does not grow with the number of cards.
// progress, when set, is called with the count so far.
func Export(ctx context.Context, w io.Writer, recipient age.Recipient, tenant string, src CardSource, now time.Time, progress func(int)) (int, error) {
	aw, err := age.Encrypt(w, recipient)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	bw := bufio.NewWriterSize(aw, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Header{Format: Format, Version: Version, Tenant: tenant, CreatedAt: now.UTC()}); err != nil {
		return 0, err
	}
	n := 0
	err = src.EachCard(ctx, tenant, func(c vault.RevealedCard) error {
		r := CardRow{Type: "card", ID: c.ID, Number: c.PAN.Digits(), ExpMonth: c.Expiry.Month, ExpYear: c.Expiry.Year,
			Holder: c.Holder, Reference: c.Reference, Metadata: c.Metadata, Extra: c.Extra, CreatedAt: c.CreatedAt.UTC()}
		if !c.ExpiresAt.IsZero() {
			t := c.ExpiresAt.UTC()
			r.ExpiresAt = &t
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
		n++
		if progress != nil {
			progress(n)
		}
		return ctx.Err()
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := enc.Encode(End{Type: "end", Count: n}); err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, aw.Close()
}
