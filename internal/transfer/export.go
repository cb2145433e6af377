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

// Counts says how many lines of each sort an export wrote.
type Counts struct {
	Cards, Objects int
}

// ObjectSource yields a tenant's other objects (customers, payment
// methods, …) as export lines: values that encode to a JSON object with a
// "type" field; customers.Service is one.
type ObjectSource interface {
	EachObject(ctx context.Context, tenant string, fn func(line any) error) error
}

// Export writes every live card of tenant to w as JSON Lines encrypted to
// recipient with age: a header, one line per card, then the lines of each
// object source in turn, and an end line with the counts. It streams:
// memory does not grow with the number of cards or objects. progress, when
// set, is called with the count of lines so far. It returns how many
// cards and other objects it wrote.
func Export(ctx context.Context, w io.Writer, recipient age.Recipient, tenant string, src CardSource, now time.Time, progress func(int),
	objects ...ObjectSource) (Counts, error) {
	aw, err := age.Encrypt(w, recipient)
	if err != nil {
		return Counts{}, fmt.Errorf("export: %w", err)
	}
	bw := bufio.NewWriterSize(aw, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Header{Format: Format, Version: Version, Tenant: tenant, CreatedAt: now.UTC()}); err != nil {
		return Counts{}, err
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
	others := 0
	if err != nil {
		return Counts{Cards: n}, fmt.Errorf("export: %w", err)
	}
	for _, o := range objects {
		err := o.EachObject(ctx, tenant, func(line any) error {
			if err := enc.Encode(line); err != nil {
				return err
			}
			others++
			if progress != nil {
				progress(n + others)
			}
			return ctx.Err()
		})
		if err != nil {
			return Counts{Cards: n, Objects: others}, fmt.Errorf("export: %w", err)
		}
	}
	if err := enc.Encode(End{Type: "end", Count: n, Objects: others}); err != nil {
		return Counts{Cards: n, Objects: others}, err
	}
	if err := bw.Flush(); err != nil {
		return Counts{Cards: n, Objects: others}, err
	}
	return Counts{Cards: n, Objects: others}, aw.Close()
}
