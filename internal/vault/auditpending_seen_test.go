package vault

import (
	"fmt"
	"testing"
)

func TestPendingSeenAnswersOnceAndIsBounded(t *testing.T) {
	var p pendingSeen
	rec := func(i int) Record {
		return Record{Tenant: "t", Kind: KindAuditPending, ID: fmt.Sprint("id-", i), Data: []byte(fmt.Sprint("data-", i))}
	}
	for i := range maxPendingSeen + 1 {
		p.add(rec(i), PendingEvent{Action: fmt.Sprint("a", i)})
	}
	if _, ok := p.take(rec(0)); ok {
		t.Fatal("the oldest event is still remembered past the bound")
	}
	if len(p.events) != maxPendingSeen {
		t.Fatalf("%d events remembered, want the bound %d", len(p.events), maxPendingSeen)
	}
	if ev, ok := p.take(rec(1)); !ok || ev.Action != "a1" {
		t.Fatalf("take of a remembered record: %+v, %v", ev, ok)
	}
	if _, ok := p.take(rec(1)); ok {
		t.Fatal("an event was answered twice")
	}
	moved := rec(2)
	moved.Data = []byte("data-3")
	if _, ok := p.take(moved); ok {
		t.Fatal("a record with other data was answered from memory")
	}
	if _, ok := p.take(rec(2)); ok {
		t.Fatal("an event was still remembered after a mismatching read of its id")
	}
	p.drop(rec(3).ID) // its transaction failed
	if _, ok := p.take(rec(3)); ok {
		t.Fatal("a dropped event was answered")
	}
}
