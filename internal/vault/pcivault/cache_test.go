package pcivault

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestPVUnlockCache(t *testing.T) {
	uk, err := seal.NewUserKey("a passphrase of some length", seal.TestKDFParams())
	if err != nil {
		t.Fatal(err)
	}
	k, err := uk.Unlock("a passphrase of some length")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newPVUnlockCache(time.Minute, 2)
	slot := c.slot("t", "u", uk.WrappedPrivate, "a passphrase of some length")
	c.put(slot, k, now)

	for name, other := range map[string][32]byte{
		"wrong passphrase": c.slot("t", "u", uk.WrappedPrivate, "another passphrase"),
		"other tenant":     c.slot("t2", "u", uk.WrappedPrivate, "a passphrase of some length"),
		"other user":       c.slot("t", "u2", uk.WrappedPrivate, "a passphrase of some length"),
		"rewrapped key":    c.slot("t", "u", append([]byte{1}, uk.WrappedPrivate...), "a passphrase of some length"),
		"shifted parts":    c.slot("tu", "", uk.WrappedPrivate, "a passphrase of some length"),
	} {
		if c.get(other, now) != nil {
			t.Errorf("%s hits the cache", name)
		}
	}
	if c.get(slot, now.Add(59*time.Second)) != k {
		t.Fatal("a fresh entry missed")
	}
	if c.get(slot, now.Add(time.Minute)) != nil || c.len() != 0 {
		t.Fatal("a stale entry hit or stayed")
	}

	for i, s := range []string{"a", "b", "c"} {
		c.put(c.slot("t", s, nil, "p"), k, now.Add(time.Duration(i)*time.Second))
	}
	if c.len() != 2 || c.get(c.slot("t", "a", nil, "p"), now.Add(2*time.Second)) != nil {
		t.Fatal("a full cache did not drop its oldest entry")
	}
	off := newPVUnlockCache(-1, 2)
	off.put(slot, k, now)
	if off.get(slot, now) != nil || off.len() != 0 {
		t.Fatal("a disabled cache kept a key")
	}
}
