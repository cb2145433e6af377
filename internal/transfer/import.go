package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/vault"
)

// CardSink stores imported cards under their ids; vault.Service is one.
type CardSink interface {
	ImportCard(ctx context.Context, tenant, id string, in vault.CardInput, createdAt time.Time) (vault.ImportOutcome, error)
}

// Summary counts what an import did.
type Summary struct {
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

// Reject is one line of the rejects file: where, which id, and why. It
// never contains a card number.
type Reject struct {
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// maxLine bounds one line of an export, so a hostile file cannot make the
// importer buffer without limit.
const maxLine = 1 << 20

// Import reads an export made by Export, decrypting it with identity, and
// stores its cards in tenant under their ids, each card alone: a bad row
// (invalid number or expiry, malformed line, id taken by another card) is
// written to rejects with its line number and reason and stores nothing;
// a card already imported (same id, same number) counts as a duplicate, so
// re-running an import is a no-op. A file that is not for identity, was
// altered, or is truncated fails with a clear error; every row before the
// failure is stored completely or not at all.
func Import(ctx context.Context, r io.Reader, identity age.Identity, tenant string, dst CardSink, rejects io.Writer, progress func(Summary)) (Summary, error) {
	var sum Summary
	ar, err := age.Decrypt(r, identity)
	if err != nil {
		return sum, fmt.Errorf("import: cannot decrypt (wrong identity, or not an age file): %w", err)
	}
	sc := bufio.NewScanner(ar)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	rej := json.NewEncoder(rejects)
	reject := func(line int, id, reason string) error {
		sum.Rejected++
		return rej.Encode(Reject{Line: line, ID: id, Reason: reason})
	}
	line, cards := 0, 0
	ended := false
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			var h Header
			if json.Unmarshal(b, &h) != nil || h.Format != Format {
				return sum, errors.New("import: not a cardvault export (bad header line)")
			}
			if h.Version != Version {
				return sum, fmt.Errorf("import: export format version %d is not supported (want %d)", h.Version, Version)
			}
			continue
		}
		if ended {
			return sum, fmt.Errorf("import: line %d: data after the end line", line)
		}
		var kind row
		if json.Unmarshal(b, &kind) != nil {
			if err := reject(line, "", "not a JSON object"); err != nil {
				return sum, err
			}
			continue
		}
		switch kind.Type {
		case "end":
			var e End
			if json.Unmarshal(b, &e) != nil || e.Count != cards {
				return sum, fmt.Errorf("import: end line counts %d cards, the file has %d: the export is damaged", e.Count, cards)
			}
			ended = true
			continue
		case "card":
			cards++
		default:
			if err := reject(line, "", fmt.Sprintf("unknown line type %q", kind.Type)); err != nil {
				return sum, err
			}
			continue
		}
		cr, in, err := ParseCardRow(b)
		if err != nil {
			if err := reject(line, cr.ID, err.Error()); err != nil {
				return sum, err
			}
			continue
		}
		out, err := dst.ImportCard(ctx, tenant, cr.ID, in, cr.CreatedAt)
		var ve *vault.Error
		switch {
		case err == nil && out == vault.AlreadyImported:
			sum.Duplicates++
		case err == nil:
			sum.Imported++
		case errors.As(err, &ve) && (ve.Code == vault.CodeInvalid || ve.Code == vault.CodeConflict):
			if err := reject(line, cr.ID, ve.Public); err != nil {
				return sum, err
			}
		default:
			return sum, fmt.Errorf("import: line %d: %w", line, err)
		}
		if progress != nil {
			progress(sum)
		}
	}
	if err := sc.Err(); err != nil {
		return sum, fmt.Errorf("import: after line %d: %w (the file is damaged or truncated)", line, err)
	}
	if line == 0 {
		return sum, errors.New("import: the export is empty")
	}
	if !ended {
		return sum, fmt.Errorf("import: after line %d: %w", line, ErrTruncated)
	}
	return sum, nil
}
