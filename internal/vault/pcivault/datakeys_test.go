package pcivault

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestPVDataKeys(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	until := now.Add(time.Minute)
	s := seal.NewSealer(seal.NewDataKey(1))
	c := newPVDataKeys(3)
	slot := [32]byte{1}
	info, sealed := []byte("info"), []byte("sealed key")
	name := c.name(slot, false, info, sealed)
	c.put(name, s, until, now)
	for what, other := range map[string][32]byte{
		"other unlock slot (tenant, user, key or passphrase)": c.name([32]byte{2}, false, info, sealed),
		"endpoint key of the same bytes":                      c.name(slot, true, info, sealed),
		"other info":                                          c.name(slot, false, []byte("infO"), sealed),
		"other sealed bytes (swapped in the store)":           c.name(slot, false, info, []byte("sealed kez")),
		"shifted parts":                                       c.name(slot, false, []byte("infos"), []byte("ealed key")),
	} {
		if c.get(other, now) != nil {
			t.Errorf("%s hits the cache", what)
		}
	}
	if c.get(name, until.Add(-time.Nanosecond)) != s {
		t.Fatal("a key within its unlock window missed")
	}
	if c.get(name, until) != nil || c.len() != 0 {
		t.Fatal("a key outlived its unlock window")
	}
	c.put(name, s, now, now)
	if c.len() != 0 {
		t.Fatal("a key was kept with its window already over")
	}
	for i := range 10 {
		c.put(c.name([32]byte{byte(i)}, false, info, sealed), s, until, now)
		if c.len() > 3 {
			t.Fatalf("%d keys kept, bound 3", c.len())
		}
	}
	c.put(c.name([32]byte{99}, false, info, sealed), s, until.Add(time.Minute), until) // the others are stale now
	if c.len() > 3 || c.get(c.name([32]byte{99}, false, info, sealed), until) == nil {
		t.Fatal("a full cache of stale keys did not make room")
	}
	off := newPVDataKeys(-1)
	off.put(name, s, until, now)
	if off.get(name, now) != nil || off.len() != 0 {
		t.Fatal("a disabled cache kept a key")
	}
}
