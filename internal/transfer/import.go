package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// CardSink stores imported cards under their ids; vault.Service is one.
type CardSink interface {
	ImportCard(ctx context.Context, tenant, id string, in vault.CardInput, createdAt time.Time) (vault.ImportOutcome, error)
}

// ObjectSink stores the other objects of an export (customers, payment
// methods, …) under their ids; customers.Service is one. ImportObject
// returns a *vault.Error with code invalid or conflict for a line to
// reject, and never puts a card number in an error.
type ObjectSink interface {
	// LineTypes names the line types the sink stores.
	LineTypes() []string
	ImportObject(ctx context.Context, tenant, typ string, line json.RawMessage) (vault.ImportOutcome, error)
}

// Summary counts what an import did, in rows (cards and other objects).
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

// workers is how many cards are stored at once: each is its own
// transaction, and concurrent ones share disk syncs (group commit).
const workers = 8

// job is one validated card line waiting to be stored.
type job struct {
	line int
	row  CardRow
	in   vault.CardInput
	// owner is the customer a payment method is saved for (the hyperswitch
	// CSV dialect) or the user key an entry is sealed to (pcivault).
	owner string
}

// storeFunc stores one card job.
type storeFunc func(ctx context.Context, tenant string, j job) (vault.ImportOutcome, error)

// cardsInto stores jobs as cards of dst under their ids.
func cardsInto(dst CardSink) storeFunc {
	return func(ctx context.Context, tenant string, j job) (vault.ImportOutcome, error) {
		return dst.ImportCard(ctx, tenant, j.row.ID, j.in, j.row.CreatedAt)
	}
}

// Import reads an export made by Export, decrypting it with identity, and
// stores its cards in tenant under their ids, each card alone (several at
// once), then its other objects (customers, payment methods) through the
// sink that names their line type, one by one once every card before them
// is stored: a bad row (invalid number or expiry, malformed line, id taken
// by another card or object) is written to rejects with its line number
// and reason, and stores nothing; a row already imported (same id, same
// card or object) counts as a duplicate, so re-running an import is a
// no-op. A file that is not for identity, was altered, or is truncated
// fails with a clear error; every row stored before the failure is whole.
// Memory stays flat: lines are read one at a time and at most a few dozen
// wait to be stored.
func Import(ctx context.Context, r io.Reader, identity age.Identity, tenant string, dst CardSink, rejects io.Writer,
	progress func(Summary), objects ...ObjectSink) (Summary, error) {
	return importRows(ctx, tenant, cardsInto(dst), workers, rejects, progress, func(ctx context.Context, rs *rows) error {
		return readLines(ctx, r, identity, rs, objects)
	})
}

// rows is what a reader of rows hands them to.
type rows struct {
	ctx     context.Context
	tenant  string
	jobs    chan<- job
	pending *sync.WaitGroup
	reject  func(line int, id, reason string)
	count   func(vault.ImportOutcome)
	fail    func(error)
}

// card queues a validated card for the workers.
func (rs *rows) card(j job) {
	rs.pending.Add(1)
	select {
	case rs.jobs <- j:
	case <-rs.ctx.Done():
		rs.pending.Done()
	}
}

// object stores a non-card line after every card queued before it.
func (rs *rows) object(sink ObjectSink, line int, typ string, raw json.RawMessage) {
	rs.pending.Wait()
	if rs.ctx.Err() != nil {
		return
	}
	out, err := sink.ImportObject(rs.ctx, rs.tenant, typ, raw)
	var ve *vault.Error
	switch {
	case err == nil:
		rs.count(out)
	case errors.As(err, &ve) && (ve.Code == vault.CodeInvalid || ve.Code == vault.CodeConflict):
		var id struct{ ID string }
		_ = json.Unmarshal(raw, &id)
		if len(id.ID) > 64 || card.ContainsPAN(id.ID) { // never echo a misplaced card number
			id.ID = ""
		}
		rs.reject(line, id.ID, ve.Public)
	default:
		rs.fail(fmt.Errorf("line %d: %w", line, err))
	}
}

// importRows runs read, which validates rows and hands good ones to rs,
// and stores cards with nWorkers workers (1: in file order), counting and
// rejecting as Import describes.
func importRows(ctx context.Context, tenant string, store storeFunc, nWorkers int, rejects io.Writer, progress func(Summary),
	read func(ctx context.Context, rs *rows) error) (Summary, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu  sync.Mutex
		sum Summary
	)
	rej := json.NewEncoder(rejects)
	reject := func(line int, id, reason string) {
		mu.Lock()
		defer mu.Unlock()
		sum.Rejected++
		if err := rej.Encode(Reject{Line: line, ID: id, Reason: reason}); err != nil {
			cancel(fmt.Errorf("write rejects: %w", err))
		}
		if progress != nil {
			progress(sum)
		}
	}
	count := func(out vault.ImportOutcome) {
		mu.Lock()
		defer mu.Unlock()
		if out == vault.AlreadyImported {
			sum.Duplicates++
		} else {
			sum.Imported++
		}
		if progress != nil {
			progress(sum)
		}
	}
	jobs := make(chan job, 4*nWorkers)
	var wg, pending sync.WaitGroup
	for range nWorkers {
		wg.Go(func() {
			for j := range jobs {
				if ctx.Err() != nil {
					pending.Done()
					continue // drain
				}
				out, err := store(ctx, tenant, j)
				var ve *vault.Error
				switch {
				case err == nil:
					count(out)
				case errors.As(err, &ve) && (ve.Code == vault.CodeInvalid || ve.Code == vault.CodeConflict):
					reject(j.line, j.row.ID, ve.Public)
				default:
					cancel(fmt.Errorf("line %d: %w", j.line, err))
				}
				pending.Done()
			}
		})
	}
	err := read(ctx, &rows{ctx: ctx, tenant: tenant, jobs: jobs, pending: &pending, reject: reject, count: count,
		fail: func(err error) { cancel(err) }})
	close(jobs)
	wg.Wait()
	if cause := context.Cause(ctx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = fmt.Errorf("import: %w", cause)
	} else if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("import: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	return sum, err
}

// readLines decrypts and reads the export, checks its header and end line,
// rejects malformed lines and hands valid card lines and object lines to rs.
func readLines(ctx context.Context, r io.Reader, identity age.Identity, rs *rows, objects []ObjectSink) error {
	ar, err := age.Decrypt(r, identity)
	if err != nil {
		return fmt.Errorf("import: cannot decrypt (wrong identity, or not an age file): %w", err)
	}
	sc := bufio.NewScanner(ar)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line, cards, others, version := 0, 0, 0, 0
	ended := false
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil // a worker failed; Import reports why
		}
		line++
		b := sc.Bytes()
		if line == 1 {
			var h Header
			if json.Unmarshal(b, &h) != nil || h.Format != Format {
				return errors.New("import: not a cardvault export (bad header line)")
			}
			if h.Version < 1 || h.Version > Version {
				return fmt.Errorf("import: export format version %d is not supported (want 1 to %d)", h.Version, Version)
			}
			version = h.Version
			continue
		}
		if ended {
			return fmt.Errorf("import: line %d: data after the end line", line)
		}
		var kind row
		if json.Unmarshal(b, &kind) != nil {
			rs.reject(line, "", "not a JSON object")
			continue
		}
		switch kind.Type {
		case "end":
			var e End
			if json.Unmarshal(b, &e) != nil || e.Count != cards || (version >= 2 && e.Objects != others) {
				return fmt.Errorf("import: end line counts %d cards and %d other objects, the file has %d and %d: the export is damaged",
					e.Count, e.Objects, cards, others)
			}
			ended = true
			continue
		case "card":
			cards++
		default:
			others++
			i := slices.IndexFunc(objects, func(o ObjectSink) bool { return slices.Contains(o.LineTypes(), kind.Type) })
			if i < 0 {
				rs.reject(line, "", fmt.Sprintf("unknown line type %q", kind.Type))
				continue
			}
			rs.object(objects[i], line, kind.Type, slices.Clone(b))
			continue
		}
		cr, in, err := ParseCardRow(b)
		if err != nil {
			if _, uerr := uuid.Parse(cr.ID); uerr != nil {
				cr.ID = "" // never echo what may be a misplaced card number
			}
			rs.reject(line, cr.ID, err.Error())
			continue
		}
		rs.card(job{line: line, row: cr, in: in})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("import: after line %d: %w (the file is damaged or truncated)", line, err)
	}
	if line == 0 {
		return errors.New("import: the export is empty")
	}
	if !ended {
		return fmt.Errorf("import: after line %d: %w", line, ErrTruncated)
	}
	return nil
}
