package pcivault

import (
	"bytes"
	"context"
	"errors"

	"github.com/cardvault/cardvault/internal/vault"
)

// ErrCaptureBurned is the cause (errors.Is) of the refusal that made a
// locked-down capture endpoint delete itself; facades log it.
var ErrCaptureBurned = errors.New("capture endpoint deleted after repeated refused merges")

// ErrCaptureLimit answers a capture endpoint that has taken its lifetime
// number of captures (Options.MaxCaptures, when set); facades answer it
// as "too many requests".
var ErrCaptureLimit = &vault.Error{Code: vault.CodeLimited,
	Public: "this capture endpoint has taken as many captures as it may; create a new one"}

// atLimit reports whether an endpoint that has taken n captures may take
// no more (Options.MaxCaptures; never when it is 0).
func (p *Service) atLimit(n int) bool { return p.maxCaptures > 0 && n >= p.maxCaptures }

// countCapture checks, inside the transaction that stores a capture, that
// the endpoint ep and d were loaded from still exists (a post racing its
// deletion writes nothing) and, when Options.MaxCaptures bounds captures,
// counts one: ErrCaptureLimit once the endpoint has taken that many. The
// count is in the store, so it holds across nodes. Without a bound nothing
// is written to the endpoint, so captures to one endpoint do not serialise
// on its record: it is read with a shared lock instead (GetLocked), which
// two posts hold at once.
//
// Either way the endpoint's row is held until the transaction commits (the
// count's update locks it), so a delete of the endpoint, or of its user key
// (DeleteUserKey deletes the endpoints before it sweeps the entries), that
// has not committed when the post reads it waits for the post and then
// sweeps its entry; one that committed first leaves nothing to read, and
// the post is refused.
func (p *Service) countCapture(ctx context.Context, tx *vault.Service, ep vault.Stored[pvCaptureData], d pvCaptureData) error {
	if p.maxCaptures == 0 {
		_, _, err := p.liveCapture(ctx, tx, ep, d, true)
		return err
	}
	cur, cd, err := p.liveCapture(ctx, tx, ep, d, false)
	if err != nil {
		return err
	}
	if p.atLimit(cd.Captures) {
		return ErrCaptureLimit
	}
	cd.Captures++
	return p.saveCapture(ctx, tx, cur, cd)
}

// liveCapture re-reads, inside tx, the endpoint that ep and d were loaded
// from: not_found when it is gone or its id now names another endpoint.
// Writes decided on the returned record update it with its version, so
// decisions about one endpoint are serialised across nodes. With lock the
// record is read with a shared lock (GetLocked), for a transaction that
// does not update it.
func (p *Service) liveCapture(ctx context.Context, tx *vault.Service, ep vault.Stored[pvCaptureData], d pvCaptureData, lock bool) (vault.Stored[pvCaptureData], pvCaptureData, error) {
	get := captureRecords.Get
	if lock {
		get = captureRecords.GetLocked
	}
	cur, err := get(ctx, tx, ep.Tenant, ep.ID)
	if errors.Is(err, vault.ErrNotFound) {
		return cur, pvCaptureData{}, errPVNoCapture
	}
	if err != nil {
		return cur, pvCaptureData{}, err
	}
	if !bytes.Equal(cur.Value.SecretHash, d.SecretHash) {
		return cur, pvCaptureData{}, errPVNoCapture
	}
	return cur, cur.Value, nil
}

// saveCapture writes cd back to the endpoint record cur, checked against
// the version read; a lost race is a bare vault.ErrConflict, which pvRetry
// retries with fresh reads.
func (p *Service) saveCapture(ctx context.Context, tx *vault.Service, cur vault.Stored[pvCaptureData], cd pvCaptureData) error {
	cur.Value = cd
	_, err := captureRecords.Update(ctx, tx, cur)
	if errors.Is(err, vault.ErrNotFound) {
		return errPVNoCapture
	}
	return err
}

// refuseMerge records, inside tx, that the endpoint cur refused a merge
// because its card number did not match the stored entry, and deletes the
// endpoint at the MaxRefusedMerges-th refusal. It returns the error to
// answer once tx has committed. Without this a holder of the secret could
// test guesses of the stored number, as a wrong guess is refused and the
// right one accepted.
func (p *Service) refuseMerge(ctx context.Context, tx *vault.Service, cur vault.Stored[pvCaptureData], cd pvCaptureData, refusal *vault.Error) (*vault.Error, error) {
	cd.Refused++
	if cd.Refused < MaxRefusedMerges {
		return refusal, p.saveCapture(ctx, tx, cur, cd)
	}
	if err := captureRecords.Delete(ctx, tx, cur.Tenant, cur.ID); err != nil {
		if errors.Is(err, vault.ErrNotFound) {
			return nil, errPVNoCapture
		}
		return nil, err
	}
	return &vault.Error{Code: refusal.Code, Field: refusal.Field, Err: ErrCaptureBurned,
		Public: refusal.Public + "; after repeated refusals this capture endpoint has been deleted"}, nil
}

// pvNumberRefusal checks the numbers of a merge against the entry: nil
// when every number is the entry's own (the same token), else the refusal.
func pvNumberRefusal(e pvEntryData, nums []pvNumber, tokens []string) *vault.Error {
	for i, n := range nums {
		if !e.Numbered {
			return vault.Invalid(n.field, "a card number cannot be added to data stored without one")
		}
		if tokens[i] != e.Token {
			return vault.Invalid(n.field, "the card number of stored data cannot change")
		}
	}
	return nil
}
