// Package audit keeps an append-only, hash-chained log of every reveal,
// forward, key use and admin action, per tenant, in the vault's store. Each
// entry's hash is a MAC under a tenant key the store never sees, covering
// the previous entry's hash, so a removed or altered entry breaks the chain
// and Verify finds it, even after someone with write access to the database
// recomputed plain hashes.
package audit

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Record kinds the log keeps in the store.
const (
	kindEntry = "audit"
	kindHead  = "audit_head"
)

// Event is what happened. It must never hold card data: name cards by id.
type Event struct {
	Tenant string `json:"tenant"`
	// Actor is the API key id (or "system").
	Actor string `json:"actor"`
	// Action is a stable verb such as "card.reveal" or "forward".
	Action string `json:"action"`
	// Targets are the ids acted on (card ids, key ids).
	Targets []string `json:"targets,omitempty"`
	// Detail holds non-sensitive facts: destination host, status, latency.
	Detail    map[string]string `json:"detail,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// Entry is a stored event with its place in the chain.
type Entry struct {
	Event
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// head is the latest link of a tenant's chain.
type head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// MACFunc returns a keyed hash of value under a secret key of the tenant,
// domain-separated; vault.(*Service).MAC is one.
type MACFunc func(ctx context.Context, tenant, domain, value string) (string, error)

// macDomain separates audit hashes from every other use of the tenant key.
const macDomain = "audit-chain/v1"

// Log appends to and verifies the chains. It is safe for concurrent use,
// also across nodes sharing one store.
//
// Appends are group-committed: events recorded while a commit is under way
// wait and are written together in the next transaction, so a burst of
// forwards costs one disk sync per batch, not one per event. Record still
// returns only once its own event is durably stored.
type Log struct {
	store vault.Store
	mac   MACFunc
	now   func() time.Time

	mu       sync.Mutex
	queue    []*pending
	flushing bool
}

// pending is an event waiting for its batch to commit.
type pending struct {
	ev   Event
	done chan error
}

// maxBatch bounds how many events one transaction writes.
const maxBatch = 256

// New returns a Log over store whose links are keyed hashes made by mac, so
// that someone who can write the database but does not hold the keys
// cannot rewrite the chain. now defaults to time.Now.
func New(store vault.Store, mac MACFunc, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, mac: mac, now: now}
}

// Record appends an event to its tenant's chain and returns once it is
// committed (or ctx ends; the event may then still be written).
func (l *Log) Record(ctx context.Context, ev Event) error {
	p := &pending{ev: ev, done: make(chan error, 1)}
	l.mu.Lock()
	l.queue = append(l.queue, p)
	if !l.flushing {
		l.flushing = true
		go l.flush()
	}
	l.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush commits queued events in batches until the queue is empty.
func (l *Log) flush() {
	for {
		l.mu.Lock()
		n := min(len(l.queue), maxBatch)
		batch := l.queue[:n:n]
		l.queue = l.queue[n:]
		if n == 0 {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		err := l.commit(batch)
		if err != nil && len(batch) > 1 {
			// One bad event (an unknown tenant, say) must not fail the others.
			for i, p := range batch {
				p.done <- l.commit(batch[i : i+1])
			}
			continue
		}
		for _, p := range batch {
			p.done <- err
		}
	}
}

// commit writes a batch in one transaction, retrying (after a random pause
// that grows) when another node moved a chain's head meanwhile. Events are
// written, and heads locked, in tenant order, so two nodes committing
// batches for the same tenants cannot deadlock each other.
func (l *Log) commit(batch []*pending) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	batch = slices.Clone(batch)
	slices.SortStableFunc(batch, func(a, b *pending) int { return strings.Compare(a.ev.Tenant, b.ev.Tenant) })
	for attempt := 0; attempt < 20; attempt++ {
		if attempt > 0 {
			time.Sleep(rand.N(time.Millisecond << min(attempt, 6)))
		}
		err := l.store.Tx(ctx, func(tx vault.Store) error {
			heads := map[string]*vault.Record{}
			for _, p := range batch {
				if err := l.append(ctx, tx, heads, p.ev); err != nil {
					return err
				}
			}
			return l.saveHeads(ctx, tx, heads)
		})
		if !errors.Is(err, vault.ErrConflict) {
			return err
		}
	}
	return errors.New("audit: chain stayed contended")
}

// append links one entry after its tenant's head, kept in heads for the
// rest of the batch.
func (l *Log) append(ctx context.Context, tx vault.Store, heads map[string]*vault.Record, ev Event) error {
	now := l.now().UTC().Truncate(time.Microsecond)
	hr, ok := heads[ev.Tenant]
	if !ok {
		r, err := tx.GetRecord(ctx, kindHead, ev.Tenant, time.Time{})
		switch {
		case errors.Is(err, vault.ErrNotFound):
			r = vault.Record{Tenant: ev.Tenant, Kind: kindHead, ID: ev.Tenant, Version: 0, Data: []byte("{}")}
		case err != nil:
			return err
		}
		hr = &r
		heads[ev.Tenant] = hr
	}
	var h head
	if err := json.Unmarshal(hr.Data, &h); err != nil {
		return fmt.Errorf("audit: corrupt head: %w", err)
	}
	e := Entry{Event: ev, Seq: h.Seq + 1, At: now, PrevHash: h.Hash}
	var err error
	if e.Hash, err = l.hash(ctx, e); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := tx.CreateRecord(ctx, vault.Record{Tenant: ev.Tenant, Kind: kindEntry, ID: entryID(ev.Tenant, e.Seq),
		Data: data, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		return err
	}
	hr.Data, _ = json.Marshal(head{Seq: e.Seq, Hash: e.Hash})
	hr.UpdatedAt = now
	return nil
}

// saveHeads moves every touched head, with a version check so that
// concurrent writers on other nodes cannot fork a chain.
func (l *Log) saveHeads(ctx context.Context, tx vault.Store, heads map[string]*vault.Record) error {
	for _, tenant := range slices.Sorted(maps.Keys(heads)) {
		if err := saveHead(ctx, tx, *heads[tenant]); err != nil {
			return err
		}
	}
	return nil
}

// saveHead creates or updates one head.
func saveHead(ctx context.Context, tx vault.Store, hr vault.Record) error {
	if hr.Version == 0 {
		hr.Version, hr.CreatedAt = 1, hr.UpdatedAt
		return tx.CreateRecord(ctx, hr)
	}
	_, err := tx.UpdateRecord(ctx, hr, hr.UpdatedAt)
	return err
}

// entryID orders a tenant's entries by sequence number.
func entryID(tenant string, seq int64) string { return fmt.Sprintf("%s/%020d", tenant, seq) }

// hash is the tenant-keyed MAC of every field of the entry, the previous
// hash included.
func (l *Log) hash(ctx context.Context, e Entry) (string, error) {
	e.Hash = ""
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	return l.mac(ctx, e.Tenant, macDomain, string(b))
}

// List pages through a tenant's entries in order.
func (l *Log) List(ctx context.Context, tenant string, p vault.Page) ([]Entry, error) {
	recs, err := l.store.ListRecords(ctx, vault.RecordQuery{Tenant: tenant, Kind: kindEntry, Page: p}, time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &out[i]); err != nil {
			return nil, fmt.Errorf("audit: corrupt entry %s: %w", r.ID, err)
		}
	}
	return out, nil
}

// Each calls fn for every entry of a tenant's chain, in order, stopping at
// the first error.
func (l *Log) Each(ctx context.Context, tenant string, fn func(Entry) error) error {
	for after := ""; ; {
		page, err := l.List(ctx, tenant, vault.Page{After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = entryID(tenant, page[len(page)-1].Seq)
	}
}

// Verify walks a tenant's whole chain and reports the first broken link:
// an altered entry, a missing one, or a head that does not match the end.
func (l *Log) Verify(ctx context.Context, tenant string) (int64, error) {
	var prev Entry
	after := ""
	for {
		page, err := l.store.ListRecords(ctx, vault.RecordQuery{Tenant: tenant, Kind: kindEntry, Page: vault.Page{After: after, Limit: 500}}, time.Time{})
		if err != nil {
			return prev.Seq, err
		}
		for _, r := range page {
			var e Entry
			if err := json.Unmarshal(r.Data, &e); err != nil {
				return prev.Seq, fmt.Errorf("audit: entry %s is corrupt", r.ID)
			}
			want, err := l.hash(ctx, e)
			if err != nil {
				return prev.Seq, err
			}
			switch {
			case e.Seq != prev.Seq+1:
				return prev.Seq, fmt.Errorf("audit: entry %d is missing", prev.Seq+1)
			case e.PrevHash != prev.Hash || !hmac.Equal([]byte(want), []byte(e.Hash)):
				return prev.Seq, fmt.Errorf("audit: entry %d was altered", e.Seq)
			}
			prev = e
			after = r.ID
		}
		if len(page) < 500 {
			break
		}
	}
	hr, err := l.store.GetRecord(ctx, kindHead, tenant, time.Time{})
	if errors.Is(err, vault.ErrNotFound) && prev.Seq == 0 {
		return 0, nil
	}
	if err != nil {
		return prev.Seq, err
	}
	var h head
	if err := json.Unmarshal(hr.Data, &h); err != nil || h.Seq != prev.Seq || h.Hash != prev.Hash {
		return prev.Seq, fmt.Errorf("audit: the chain ends at %d but its head says %d", prev.Seq, h.Seq)
	}
	return prev.Seq, nil
}
