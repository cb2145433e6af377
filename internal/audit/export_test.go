package audit

import (
	"context"
	"encoding/json"
	"time"
)

// RewriteWithKeys plays an attacker who holds the keys (or an insider):
// it changes the action of entry seq and recomputes every later hash and
// the head's MAC, so that the chain verifies again.
func (l *Log) RewriteWithKeys(ctx context.Context, tenant string, seq int64, action string) error {
	var prev string
	var last Entry
	err := l.Each(ctx, tenant, func(e Entry) error {
		if e.Seq >= seq {
			if e.Seq == seq {
				e.Action = action
			}
			e.PrevHash = prev
			h, err := l.hash(ctx, e)
			if err != nil {
				return err
			}
			e.Hash = h
			r, err := l.store.GetRecord(ctx, kindEntry, entryID(tenant, e.Seq), time.Time{})
			if err != nil {
				return err
			}
			r.Data, _ = json.Marshal(e)
			if _, err := l.store.UpdateRecord(ctx, r, time.Time{}); err != nil {
				return err
			}
		}
		prev, last = e.Hash, e
		return nil
	})
	if err != nil {
		return err
	}
	hr, err := l.store.GetRecord(ctx, kindHead, tenant, time.Time{})
	if err != nil {
		return err
	}
	hr.Data, _ = json.Marshal(l.sealHead(tenant, head{Seq: last.Seq, Hash: last.Hash, At: last.At}))
	_, err = l.store.UpdateRecord(ctx, hr, time.Time{})
	return err
}
