package console

import (
	"context"
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/audit"
)

// entries is an AuditLog whose chain is n entries, Seq 1 to n; err, when
// set, ends the scan after them.
type entries struct {
	AuditLog
	n   int64
	err error
}

func (l entries) Each(_ context.Context, _ string, fn func(audit.Entry) error) error {
	for seq := int64(1); seq <= l.n; seq++ {
		if err := fn(audit.Entry{Seq: seq}); err != nil {
			return err
		}
	}
	return l.err
}

// The pages show the newest maxShown rows, newest first, and count every
// row made; entries the row function refuses are neither shown nor counted.
func TestNewestKeepsTheLastRowsNewestFirst(t *testing.T) {
	even := func(e audit.Entry) (int64, bool) { return e.Seq, e.Seq%2 == 0 }
	rows, n, err := newest(t.Context(), entries{n: 3 * maxShown}, "t", even)
	if err != nil || n != 3*maxShown/2 || len(rows) != maxShown {
		t.Fatalf("newest = %d rows, %d made, %v; want %d rows of %d", len(rows), n, err, maxShown, 3*maxShown/2)
	}
	if rows[0] != 3*maxShown || rows[len(rows)-1] != 3*maxShown-2*(maxShown-1) {
		t.Fatalf("rows run from %d to %d, want the newest even seqs, newest first", rows[0], rows[len(rows)-1])
	}

	broken := errors.New("store gone")
	if _, _, err := newest(t.Context(), entries{n: 1, err: broken}, "t", even); !errors.Is(err, broken) {
		t.Fatalf("a failed scan returned %v", err)
	}
}
