// Package audit keeps an append-only, hash-chained log of every reveal,
// forward, key use and admin action, per tenant, in the vault's store. Each
// entry's hash is a MAC under a tenant key the store never sees, covering
// the previous entry's hash, so a removed or altered entry breaks the chain
// and Verify finds it, even after someone with write access to the database
// recomputed plain hashes.
//
// The chain is anchored (anchor.go) so that cutting it is found too: each
// tenant's head carries a MAC over its sequence number and hash, a
// vault-wide registry (also MACed) lists every tenant that has a chain, and
// a signed checkpoint (checkpoint.go) that the operator keeps outside the
// database pins every head at a moment, so that even a rollback of the whole
// database to an older copy is found by VerifyCheckpoint.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// Record kinds the log keeps in the store.
const (
	kindEntry    = "audit"
	kindHead     = "audit_head"
	kindRegistry = "audit_registry"
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

// head is the latest link of a tenant's chain. MAC (anchor.go) binds the
// tenant, sequence number, hash and time under a key derived from the
// master key; heads written before anchoring have none.
type head struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at,omitzero"`
	MAC  []byte    `json:"mac,omitempty"`
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
	keys  Keys
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

// New returns a Log over store whose links are keyed hashes made by mac,
// and whose heads, registry and checkpoints are MACed and signed with keys,
// so that someone who can write the database but does not hold the keys
// can neither rewrite nor cut the chain unnoticed. now defaults to time.Now.
func New(store vault.Store, mac MACFunc, keys Keys, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{store: store, mac: mac, keys: keys, now: now}
}

// Record appends an event to its tenant's chain and returns once it is
// committed (or ctx ends; the event may then still be written).
func (l *Log) Record(ctx context.Context, ev Event) error {
	ev = masked(ev)
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
			b := &txBatch{tx: tx, heads: map[string]*vault.Record{}}
			for _, p := range batch {
				if err := l.append(ctx, b, p.ev); err != nil {
					return err
				}
			}
			return l.saveHeads(ctx, b)
		})
		if !errors.Is(err, vault.ErrConflict) {
			return err
		}
	}
	return errors.New("audit: chain stayed contended")
}

// txBatch is what one batch's transaction keeps between appends: the heads
// it moved and, once needed, the registry.
type txBatch struct {
	tx    vault.Store
	heads map[string]*vault.Record
	reg   *registry // nil until a new or unanchored chain needs it
}

// append links one entry after its tenant's head, kept in the batch for
// the rest of it. It refuses to extend a head whose MAC fails, and to start
// a chain again for a tenant the registry says had one.
func (l *Log) append(ctx context.Context, b *txBatch, ev Event) error {
	now := l.now().UTC().Truncate(time.Microsecond)
	hr, ok := b.heads[ev.Tenant]
	if !ok {
		r, err := l.loadHeadForAppend(ctx, b, ev.Tenant)
		if err != nil {
			return err
		}
		hr = &r
		b.heads[ev.Tenant] = hr
	}
	var h head
	if err := json.Unmarshal(hr.Data, &h); err != nil {
		return fmt.Errorf("audit: corrupt head: %w", err)
	}
	tx := b.tx
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
	hr.Data, _ = json.Marshal(head{Seq: e.Seq, Hash: e.Hash, At: now}) // sealed once per batch, in saveHeads
	hr.UpdatedAt = now
	return nil
}

// saveHeads moves every touched head, with a version check so that
// concurrent writers on other nodes cannot fork a chain, and saves the
// registry when a tenant joined it.
func (l *Log) saveHeads(ctx context.Context, b *txBatch) error {
	for _, tenant := range slices.Sorted(maps.Keys(b.heads)) {
		hr := *b.heads[tenant]
		var h head
		if err := json.Unmarshal(hr.Data, &h); err != nil {
			return err
		}
		hr.Data, _ = json.Marshal(l.sealHead(tenant, h))
		if err := saveHead(ctx, b.tx, hr); err != nil {
			return err
		}
	}
	if b.reg != nil && b.reg.dirty {
		return l.saveRegistry(ctx, b.tx, b.reg, l.now().UTC().Truncate(time.Microsecond))
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

// masked returns ev with every text that could carry a card number passed
// through card.MaskPANs (the vault's one detector): a destination host, a
// provider's message or a caller's id that looks like a card number never
// reaches the log in the clear.
func masked(ev Event) Event {
	if len(ev.Detail) > 0 {
		d := make(map[string]string, len(ev.Detail))
		for k, v := range ev.Detail {
			d[card.MaskPANs(k)] = card.MaskPANs(v)
		}
		ev.Detail = d
	}
	if len(ev.Targets) > 0 {
		ts := make([]string, len(ev.Targets))
		for i, t := range ev.Targets {
			ts[i] = card.MaskPANs(t)
		}
		ev.Targets = ts
	}
	ev.Actor, ev.Action, ev.RequestID = card.MaskPANs(ev.Actor), card.MaskPANs(ev.Action), card.MaskPANs(ev.RequestID)
	return ev
}
