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
	"bytes"
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
	// Pending is the id of the pending audit record this entry linked
	// (pending.go), empty for an event recorded directly.
	Pending string `json:"pending,omitempty"`
	// OccurredAt is when a linked pending event's write was made (At is
	// when it was linked); zero for an event recorded directly.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	// Hash stays the last field: encodeEntry relies on it.
	Hash string `json:"hash"`
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
// returns only once its own event is durably stored. Pending events that
// the core wrote with the writes they report (pending.go) are linked in the
// same batches.
type Log struct {
	store vault.Store
	mac   MACFunc
	keys  Keys
	now   func() time.Time

	// pend opens pending events; nil until WithPending.
	pend       PendingSource
	staleAfter time.Duration
	onErr      func(error)

	mu    sync.Mutex
	queue []*waiter
	links map[string]bool // tenants whose pending events to link next
	bad   map[string]bool // pending records that failed to open
	// flushing: a flush is under way (one transaction at a time), or, when
	// inOrder (pipeline.go), one is waiting to take the queue.
	flushing bool
	inOrder  bool
}

// waiter is an event waiting for its batch to commit.
type waiter struct {
	prepared
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
	return &Log{store: store, mac: mac, keys: keys, now: now, staleAfter: DefaultStaleAfter,
		links: map[string]bool{}, bad: map[string]bool{}, onErr: func(error) {}}
}

// Record appends an event to its tenant's chain and returns once it is
// committed (or ctx ends; the event may then still be written).
func (l *Log) Record(ctx context.Context, ev Event) error {
	pe, err := prepare(ev) // outside the batch's transaction (encode.go)
	if err != nil {
		return err
	}
	p := &waiter{prepared: pe, done: make(chan error, 1)}
	l.mu.Lock()
	l.queue = append(l.queue, p)
	l.startFlush()
	l.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startFlush starts a flush unless one is waiting to take the queue; l.mu
// is held.
func (l *Log) startFlush() {
	if !l.flushing {
		l.flushing = true
		if l.inOrder {
			go l.flushNext()
		} else {
			go l.flush()
		}
	}
}

// takeLocked takes the next batch off the queue and the tenants whose
// pending events to link with it; l.mu is held.
func (l *Log) takeLocked() ([]*waiter, []string) {
	n := min(len(l.queue), maxBatch)
	batch := l.queue[:n:n]
	l.queue = l.queue[n:]
	tenants := slices.Sorted(maps.Keys(l.links))
	clear(l.links)
	return batch, tenants
}

// flush commits queued events, and links the pending events of the tenants
// signalled, in batches, one transaction at a time, until there is nothing
// left.
func (l *Log) flush() {
	for {
		l.mu.Lock()
		batch, tenants := l.takeLocked()
		if len(batch) == 0 && len(tenants) == 0 {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		more, err := l.commit(batch, tenants)
		l.settle(batch, tenants, more, err)
	}
}

// settle tells a batch's events the outcome of its commit. When a batch of
// more than one event or tenant failed, each is committed again on its
// own, so that one bad event (an unknown tenant, say) does not fail the
// others. Tenants with more pending events are linked next.
func (l *Log) settle(batch []*waiter, tenants []string, more []string, err error) {
	if err != nil && len(batch)+len(tenants) > 1 {
		more = nil
		for _, t := range tenants {
			m, err := l.commit(nil, []string{t})
			l.reportLink(t, err)
			more = append(more, m...)
		}
		for i, p := range batch {
			_, err := l.commit(batch[i:i+1], nil)
			p.done <- err
		}
	} else {
		if len(tenants) > 0 {
			l.reportLink(tenants[0], err)
		}
		for _, p := range batch {
			p.done <- err
		}
	}
	if len(more) > 0 {
		l.mu.Lock()
		for _, t := range more {
			l.links[t] = true
		}
		l.startFlush()
		l.mu.Unlock()
	}
}

// commit writes a batch of events and links the pending events of tenants
// in one transaction (commitTaking).
func (l *Log) commit(batch []*waiter, tenants []string) ([]string, error) {
	return l.commitTaking(func() ([]*waiter, []string) { return batch, tenants })
}

// commitTaking writes a batch of events and links the pending events of
// tenants in one transaction, retrying (after a random pause that grows)
// when another node moved a chain's head or linked a pending event
// meanwhile. take names the batch and tenants; it is called once, by the
// transaction's function when it first runs (so that a transaction queued
// behind another takes what arrived until it starts), or after the
// transaction when the function never ran. Chains are extended, and heads
// locked, in tenant order, so two nodes committing batches for the same
// tenants cannot deadlock each other. A tenant's pending events go before
// its directly recorded ones (they were made earlier). It returns the
// tenants that have more pending events.
func (l *Log) commitTaking(take func() ([]*waiter, []string)) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var batch []*waiter
	var tenants, order []string
	taken := false
	takeOnce := func() {
		if taken {
			return
		}
		taken = true
		var b []*waiter
		b, tenants = take()
		batch = slices.Clone(b)
		slices.SortStableFunc(batch, func(a, b *waiter) int { return strings.Compare(a.ev.Tenant, b.ev.Tenant) })
		order = slices.Clone(tenants)
		for _, p := range batch {
			order = append(order, p.ev.Tenant)
		}
		order = slices.Compact(slices.Sorted(slices.Values(order)))
	}
	defer takeOnce()
	var more []string
	for attempt := 0; attempt < 20; attempt++ {
		if attempt > 0 {
			time.Sleep(rand.N(time.Millisecond << min(attempt, 6)))
		}
		more = more[:0]
		err := l.store.Tx(ctx, func(tx vault.Store) error {
			takeOnce()
			b := &txBatch{tx: tx, held: vault.AtCommit(tx), heads: map[string]*chainHead{}}
			i := 0
			for _, t := range order {
				if slices.Contains(tenants, t) {
					full, err := l.linkPending(ctx, b, t)
					if err != nil {
						return err
					}
					if full {
						more = append(more, t)
					}
				}
				for ; i < len(batch) && batch[i].ev.Tenant == t; i++ {
					if err := l.append(ctx, b, batch[i].prepared, Entry{}); err != nil {
						return err
					}
				}
			}
			return l.saveHeads(ctx, b)
		})
		if !errors.Is(err, vault.ErrConflict) {
			return more, err
		}
	}
	return nil, errors.New("audit: chain stayed contended")
}

// txBatch is what one batch's transaction keeps between appends: the heads
// it moved and, once needed, the registry.
type txBatch struct {
	tx vault.Store
	// held is tx's AtCommit view (vault.CommitHolder; tx itself on a store
	// without one): the batch's entries, head moves and pending deletions
	// go out with its COMMIT, each checked by the server (heldwrites.go).
	held    vault.Store
	heads   map[string]*chainHead
	entries []vault.Record // written together by saveHeads
	reg     *registry      // nil until a new or unanchored chain needs it
}

// chainHead is a tenant's head as a batch moves it: the stored record
// (Version 0 for a new chain) and its decoded value, decoded once per batch
// and encoded once, with its MAC, when the batch saves it.
type chainHead struct {
	rec vault.Record
	h   head
}

// append links one entry (a prepared event, and in e for a pending one its
// id and time) after its tenant's head, kept in the batch for the rest of
// it; the entry is written with the batch's others, by saveHeads. It
// refuses to extend a head whose MAC fails, and to start a chain again for
// a tenant the registry says had one.
func (l *Log) append(ctx context.Context, b *txBatch, p prepared, e Entry) error {
	now := l.now().UTC().Truncate(time.Microsecond)
	tenant := p.ev.Tenant
	ch, ok := b.heads[tenant]
	if !ok {
		rec, h, err := l.loadHeadForAppend(ctx, b, tenant)
		if err != nil {
			return err
		}
		ch = &chainHead{rec: rec, h: h}
		b.heads[tenant] = ch
	}
	e.Seq, e.At, e.PrevHash = ch.h.Seq+1, now, ch.h.Hash
	data, err := l.encodePrepared(ctx, p, &e)
	if err != nil {
		return err
	}
	b.entries = append(b.entries, vault.Record{Tenant: tenant, Kind: kindEntry, ID: entryID(tenant, e.Seq),
		Data: data, Version: 1, CreatedAt: now, UpdatedAt: now})
	ch.h = head{Seq: e.Seq, Hash: e.Hash, At: now} // MACed once per batch, in saveHeads
	ch.rec.UpdatedAt = now
	return nil
}

// saveHeads writes the batch's entries (held for the COMMIT, heldwrites.go,
// or in one round trip where the store batches; an entry another node
// wrote first is ErrConflict, and the batch is retried), moves every
// touched head, with a version check so that concurrent writers on other
// nodes cannot fork a chain, and saves the registry when a tenant joined
// it.
func (l *Log) saveHeads(ctx context.Context, b *txBatch) error {
	if err := vault.CreateRecords(ctx, b.held, b.entries); err != nil {
		return err
	}
	for _, tenant := range slices.Sorted(maps.Keys(b.heads)) {
		ch := b.heads[tenant]
		hr := ch.rec
		var err error
		if hr.Data, err = json.Marshal(l.sealHead(tenant, ch.h)); err != nil {
			return err
		}
		if err := saveHead(ctx, b.held, hr); err != nil {
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
	_, mac, err := l.entryMAC(ctx, e)
	return mac, err
}

// entryMAC returns the JSON of e with an empty hash and its MAC, which is
// e's hash; append (through encodeEntry) and Verify (through hash) both
// compute it here, so that they cannot drift apart.
func (l *Log) entryMAC(ctx context.Context, e Entry) (unhashed []byte, mac string, err error) {
	e.Hash = ""
	if unhashed, err = json.Marshal(e); err != nil {
		return nil, "", err
	}
	mac, err = l.mac(ctx, e.Tenant, macDomain, string(unhashed))
	return unhashed, mac, err
}

// hashTail is how the JSON of an entry without its hash ends.
const hashTail = `"hash":""}`

// encodeEntry sets e.Hash and returns the entry as stored, encoding it
// once: the MAC covers the JSON of the entry with an empty hash (as hash
// computes it), and since Hash is the last field, the stored JSON is that
// same text with the hash put between the quotes. A MAC that is not plain
// hex (a MACFunc of another shape) takes the long way.
func (l *Log) encodeEntry(ctx context.Context, e *Entry) ([]byte, error) {
	b, mac, err := l.entryMAC(ctx, *e)
	if err != nil {
		return nil, err
	}
	e.Hash = mac
	if !bytes.HasSuffix(b, []byte(hashTail)) || !isHex(e.Hash) {
		return json.Marshal(e)
	}
	out := make([]byte, 0, len(b)+len(e.Hash))
	out = append(out, b[:len(b)-2]...) // up to the opening quote of the empty hash
	out = append(out, e.Hash...)
	return append(out, `"}`...), nil
}

// isHex reports whether s holds only lower-case hexadecimal digits.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
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
