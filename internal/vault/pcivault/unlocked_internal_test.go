package pcivault

import (
	"testing"
	"time"
)

// An unlock that read the user record before a drop (a passphrase change
// or deletion that committed meanwhile) cannot keep what it read; one that
// read it after can. A kept user ends at the earlier of its unlock window
// and the recheck bound.
func TestPVUnlockedUsersDropAndBounds(t *testing.T) {
	c := newPVUnlockedUsers(5*time.Second, 4)
	n := pvUserName{"t", "u"}
	now := time.Now()
	o := pvOpened{slot: [32]byte{1}, until: now.Add(time.Minute)}

	before := c.mark()
	c.drop(n)
	c.put(n, before, pvUser{}, o, now)
	if _, ok := c.get(n, now); ok {
		t.Fatal("an unlock that read the record before a drop kept it")
	}

	c.put(n, c.mark(), pvUser{}, o, now)
	if _, ok := c.get(n, now.Add(4*time.Second)); !ok {
		t.Fatal("a fresh unlock was not kept")
	}
	if _, ok := c.get(n, now.Add(5*time.Second)); ok {
		t.Fatal("kept past the recheck bound")
	}

	short := pvOpened{slot: [32]byte{2}, until: now.Add(2 * time.Second)}
	c.put(n, c.mark(), pvUser{}, short, now)
	if _, ok := c.get(n, now.Add(2*time.Second)); ok {
		t.Fatal("kept past its unlock window")
	}

	for i := range 10 {
		c.put(pvUserName{"t", string(rune('a' + i))}, c.mark(), pvUser{}, o, now)
	}
	if c.len() > 4 {
		t.Fatalf("%d users kept, bound 4", c.len())
	}
}
