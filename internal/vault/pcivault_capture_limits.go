package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
)

// ErrPCICaptureBurned is the cause (errors.Is) of the refusal that made a
// locked-down capture endpoint delete itself; facades log it.
var ErrPCICaptureBurned = errors.New("capture endpoint deleted after repeated refused merges")

// ErrPCICaptureLimit answers a capture endpoint that has taken its lifetime
// number of captures (PCIVaultOptions.MaxCaptures); facades answer it as
// "too many requests".
var ErrPCICaptureLimit = &Error{Code: CodeLimited,
	Public: "this capture endpoint has taken as many captures as it may; create a new one"}

// countCapture counts one capture on the endpoint that ep and d were
// loaded from, inside the transaction that stores it: ErrPCICaptureLimit
// once the endpoint has taken PCIVaultOptions.MaxCaptures. The count is in
// the store, so it holds across nodes. It bounds what one secret can do
// with an endpoint that is not locked down: each capture answers the token
// of the number posted (which confirms a guess when the token is known)
// and writes an entry.
func (p *PCIVault) countCapture(ctx context.Context, tx Store, ep Record, d pvCaptureData) error {
	cur, cd, err := p.liveCapture(ctx, tx, ep, d)
	if err != nil {
		return err
	}
	if cd.Captures >= p.maxCaptures {
		return ErrPCICaptureLimit
	}
	cd.Captures++
	return p.saveCapture(ctx, tx, cur, cd)
}

// liveCapture re-reads, inside tx, the endpoint that ep and d were loaded
// from: not_found when it is gone or its id now names another endpoint.
// Writes decided on the returned record update it with its version, so
// decisions about one endpoint are serialised across nodes.
func (p *PCIVault) liveCapture(ctx context.Context, tx Store, ep Record, d pvCaptureData) (Record, pvCaptureData, error) {
	cur, err := tx.GetRecord(ctx, PCIKindCapture, ep.ID, p.s.Now())
	if errors.Is(err, ErrNotFound) {
		return Record{}, pvCaptureData{}, errPVNoCapture
	}
	if err != nil {
		return Record{}, pvCaptureData{}, err
	}
	var cd pvCaptureData
	if err := pvDecode(cur, &cd); err != nil {
		return Record{}, pvCaptureData{}, err
	}
	if cur.Tenant != ep.Tenant || !bytes.Equal(cd.SecretHash, d.SecretHash) {
		return Record{}, pvCaptureData{}, errPVNoCapture
	}
	return cur, cd, nil
}

// saveCapture writes cd back to the endpoint record cur, checked against
// the version read; a lost race is a bare ErrConflict, which pvRetry
// retries with fresh reads.
func (p *PCIVault) saveCapture(ctx context.Context, tx Store, cur Record, cd pvCaptureData) error {
	var err error
	if cur.Data, err = json.Marshal(cd); err != nil {
		return err
	}
	_, err = tx.UpdateRecord(ctx, cur, p.s.Now())
	if errors.Is(err, ErrNotFound) {
		return errPVNoCapture
	}
	return err
}

// refuseMerge records, inside tx, that the endpoint cur refused a merge
// because its card number did not match the stored entry, and deletes the
// endpoint at the PCIMaxRefusedMerges-th refusal. It returns the error to
// answer once tx has committed. Without this a holder of the secret could
// test guesses of the stored number, as a wrong guess is refused and the
// right one accepted.
func (p *PCIVault) refuseMerge(ctx context.Context, tx Store, cur Record, cd pvCaptureData, refusal *Error) (*Error, error) {
	cd.Refused++
	if cd.Refused < PCIMaxRefusedMerges {
		return refusal, p.saveCapture(ctx, tx, cur, cd)
	}
	if err := tx.DeleteRecord(ctx, cur.Tenant, PCIKindCapture, cur.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, errPVNoCapture
		}
		return nil, err
	}
	return &Error{Code: refusal.Code, Field: refusal.Field, Err: ErrPCICaptureBurned,
		Public: refusal.Public + "; after repeated refusals this capture endpoint has been deleted"}, nil
}

// pvNumberRefusal checks the numbers of a merge against the entry: nil
// when every number is the entry's own (the same token), else the refusal.
func pvNumberRefusal(e pvEntryData, nums []pvNumber, tokens []string) *Error {
	for i, n := range nums {
		if !e.Numbered {
			return Invalid(n.field, "a card number cannot be added to data stored without one")
		}
		if tokens[i] != e.Token {
			return Invalid(n.field, "the card number of stored data cannot change")
		}
	}
	return nil
}
