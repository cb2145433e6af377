package ttlmap

import (
	"testing"
	"time"
)

func TestEvict(t *testing.T) {
	now := time.Unix(1000, 0)
	at := func(v time.Time) time.Time { return v }

	m := map[string]time.Time{"old": now.Add(-time.Second), "due": now, "live": now.Add(time.Second)}
	Evict(m, now, at)
	if len(m) != 1 || m["live"].IsZero() {
		t.Fatalf("expired entries should go and the live one stay: %v", m)
	}

	m = map[string]time.Time{"a": now.Add(time.Second), "b": now.Add(2 * time.Second)}
	Evict(m, now, at)
	if len(m) != 1 {
		t.Fatalf("with nothing expired exactly one entry should go: %v", m)
	}

	Evict(map[string]time.Time{}, now, at) // an empty map is left alone
}
