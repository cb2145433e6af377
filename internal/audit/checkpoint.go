package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// CheckpointFormat names the checkpoint layout; it is part of what is signed.
const CheckpointFormat = "cardvault-audit-checkpoint/v1"

// signPrefix separates checkpoint signatures from any other use of the key.
const signPrefix = "cardvault audit checkpoint\n"

// HeadState is one tenant's head as a checkpoint pins it.
type HeadState struct {
	Tenant string    `json:"tenant"`
	Seq    int64     `json:"seq"`
	Hash   string    `json:"hash"`
	At     time.Time `json:"at"`
}

// Statement is what a checkpoint signs: every tenant's head at a moment.
type Statement struct {
	Format string      `json:"format"`
	At     time.Time   `json:"at"`
	Heads  []HeadState `json:"heads"`
}

// Checkpoint is a statement signed with the Ed25519 key derived from the
// master key. The operator keeps it outside the database (a ticket, a
// write-once bucket, a printout): whoever can write the database can
// neither change it nor make another that verifies.
type Checkpoint struct {
	Statement Statement `json:"statement"`
	// KeyVersion names the master key whose derived key signed.
	KeyVersion uint32 `json:"key_version"`
	Signature  []byte `json:"signature"`
}

// signedBytes is the message a checkpoint's signature covers. Go encodes a
// struct's fields in a fixed order, so a checkpoint re-indented or
// re-ordered by a tool still verifies while any changed value does not.
// The key version is not in it: naming another version selects another
// key, under which the signature fails.
func signedBytes(st Statement) ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return append([]byte(signPrefix), b...), nil
}

// Checkpoint verifies every registered tenant's chain and signs a
// statement of their heads. It refuses when any chain is broken, so that a
// checkpoint never vouches for a tampered log.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	results, err := l.VerifyAll(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	st := Statement{Format: CheckpointFormat, At: l.now().UTC().Truncate(time.Microsecond), Heads: []HeadState{}}
	for _, r := range results {
		if r.Err != nil {
			return Checkpoint{}, fmt.Errorf("tenant %q: %w", r.Tenant, r.Err)
		}
		hr, err := l.store.GetRecord(ctx, kindHead, r.Tenant, time.Time{})
		if err != nil {
			return Checkpoint{}, err
		}
		var h head
		if err := json.Unmarshal(hr.Data, &h); err != nil || !l.headOK(r.Tenant, h) {
			return Checkpoint{}, fmt.Errorf("%w: head of tenant %q moved while checking", ErrTampered, r.Tenant)
		}
		st.Heads = append(st.Heads, HeadState{Tenant: r.Tenant, Seq: h.Seq, Hash: h.Hash, At: h.At.UTC()})
	}
	msg, err := signedBytes(st)
	if err != nil {
		return Checkpoint{}, err
	}
	version, sig := l.keys.CheckpointSign(msg)
	return Checkpoint{Statement: st, KeyVersion: version, Signature: sig}, nil
}

// ErrBadCheckpoint means a checkpoint is not one this vault's master key
// signed: forged, edited, or made by another vault.
var ErrBadCheckpoint = errors.New("audit: the checkpoint's signature does not verify under this vault's master key")

// VerifyCheckpoint checks cp's signature, then, for every tenant it pins,
// that the chain still verifies, is at least as long as it was, and that
// its entry at the pinned sequence number still has the pinned hash: so
// nothing up to the checkpoint was cut, rewritten (even with the keys) or
// rolled back. It returns one result per pinned tenant; the error is for a
// checkpoint that cannot be trusted at all.
func (l *Log) VerifyCheckpoint(ctx context.Context, cp Checkpoint) ([]TenantResult, error) {
	msg, err := signedBytes(cp.Statement)
	if err != nil {
		return nil, err
	}
	if cp.Statement.Format != CheckpointFormat || !l.keys.CheckpointVerify(cp.KeyVersion, msg, cp.Signature) {
		return nil, ErrBadCheckpoint
	}
	out := make([]TenantResult, 0, len(cp.Statement.Heads))
	for _, pin := range cp.Statement.Heads {
		n, err := l.Verify(ctx, pin.Tenant)
		if err == nil {
			err = l.checkPin(ctx, pin, n)
		}
		out = append(out, TenantResult{Tenant: pin.Tenant, Entries: n, Err: err})
	}
	return out, nil
}

// checkPin checks that a verified chain of n entries still holds the
// pinned entry unchanged.
func (l *Log) checkPin(ctx context.Context, pin HeadState, n int64) error {
	if n < pin.Seq {
		return fmt.Errorf("%w: the chain has %d entries, the checkpoint of %s saw %d (entries cut or store rolled back)",
			ErrTampered, n, pin.At.Format(time.RFC3339), pin.Seq)
	}
	if pin.Seq == 0 {
		return nil
	}
	r, err := l.store.GetRecord(ctx, kindEntry, entryID(pin.Tenant, pin.Seq), time.Time{})
	if errors.Is(err, vault.ErrNotFound) {
		return fmt.Errorf("%w: entry %d pinned by the checkpoint is missing", ErrTampered, pin.Seq)
	}
	if err != nil {
		return err
	}
	var e Entry
	if err := json.Unmarshal(r.Data, &e); err != nil || e.Hash != pin.Hash {
		return fmt.Errorf("%w: entry %d differs from the checkpoint of %s (the chain up to it was rewritten)",
			ErrTampered, pin.Seq, pin.At.Format(time.RFC3339))
	}
	return nil
}
