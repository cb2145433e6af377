package vault

import (
	"bytes"
	"sync"
)

// maxPendingSeen bounds how many just-written pending events a node keeps
// in memory for the linker (about 0.5 KB each). The linker is signalled
// after each write's commit, so an event normally waits there for
// milliseconds; past the bound the oldest are forgotten and opened from
// the store instead.
const maxPendingSeen = 4096

// pendingSeen remembers the pending audit events this node wrote, each
// with the exact record it stored, until the audit log links them. The
// linker runs inside the group committer's serial section on SQLite, where
// opening a record (base64, AES-GCM, JSON) delays every other write; a
// record that reads back identical in every column its ciphertext is bound
// to and in its sealed data would open to the very event remembered, so
// that event is returned without opening it. A record that differs in any
// byte is opened (and checked) as usual. Events hold no card data.
type pendingSeen struct {
	mu     sync.Mutex
	events map[string]seenEvent // record id → what was written
	order  []string             // ids in the order added, a ring of maxPendingSeen
	next   int                  // where the next id goes in order
}

// seenEvent is a pending record as written, and the event it seals.
type seenEvent struct {
	rec   Record
	value PendingEvent
}

// add remembers rec, which seals value. It may be remembered before its
// transaction commits: what it answers for is the record's bytes, which
// the linker can only read once they are in the store.
func (p *pendingSeen) add(rec Record, value PendingEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.events == nil {
		p.events = make(map[string]seenEvent)
		p.order = make([]string, maxPendingSeen)
	}
	if old := p.order[p.next]; old != "" {
		delete(p.events, old) // the oldest, unless already taken
	}
	p.order[p.next] = rec.ID
	p.next = (p.next + 1) % maxPendingSeen
	p.events[rec.ID] = seenEvent{rec: rec, value: value}
}

// drop forgets the event of id (its transaction failed).
func (p *pendingSeen) drop(id string) {
	p.mu.Lock()
	delete(p.events, id)
	p.mu.Unlock()
}

// take returns, and forgets, the event remembered for r's id when r is
// exactly the record written: same tenant, kind, id, key, parent, expiry
// (what its ciphertext is bound to) and the same sealed data.
func (p *pendingSeen) take(r Record) (PendingEvent, bool) {
	p.mu.Lock()
	e, ok := p.events[r.ID]
	if ok {
		delete(p.events, r.ID)
	}
	p.mu.Unlock()
	w := e.rec
	if !ok || r.Tenant != w.Tenant || r.Kind != w.Kind || r.Key != w.Key || r.Parent != w.Parent ||
		!r.ExpiresAt.Equal(w.ExpiresAt) || !bytes.Equal(r.Data, w.Data) {
		return PendingEvent{}, false
	}
	return e.value, true
}
