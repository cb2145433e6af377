package ratelimit_test

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/ratelimit"
)

// clock is a fake time source the tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func limiter(c *clock, l string, max int) *ratelimit.Limiter {
	lim, err := ratelimit.ParseLimit(l)
	if err != nil {
		panic(err)
	}
	return ratelimit.New(lim, ratelimit.Options{MaxKeys: max, Now: c.now})
}

func TestBurstThenRefusedThenRefilled(t *testing.T) {
	c := newClock()
	l := limiter(c, "5/s:10", 0)
	for i := range 10 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("k")
	if ok || wait != 200*time.Millisecond {
		t.Fatalf("11th request: ok=%v wait=%v, want refused for 200ms", ok, wait)
	}
	c.add(199 * time.Millisecond)
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("allowed before a token was back")
	}
	c.add(2 * time.Millisecond)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("refused after a token was back")
	}
	c.add(time.Hour) // refills to the burst, never beyond
	n := 0
	for {
		if ok, _ := l.Allow("k"); !ok {
			break
		}
		n++
	}
	if n != 10 {
		t.Fatalf("after an idle hour %d requests passed, want the burst of 10", n)
	}
}

func TestKeysAreIndependent(t *testing.T) {
	c := newClock()
	l := limiter(c, "1/m:3", 0)
	for range 3 {
		l.Allow("attacker")
	}
	if ok, _ := l.Allow("attacker"); ok {
		t.Fatal("attacker not limited")
	}
	for i := range 3 {
		if ok, _ := l.Allow("merchant"); !ok {
			t.Fatalf("merchant refused at request %d because another key is exhausted", i+1)
		}
	}
}

func TestMemoryIsBounded(t *testing.T) {
	c := newClock()
	l := limiter(c, "1/s:2", 1000)
	for i := range 50_000 {
		l.Allow(fmt.Sprint("key-", i))
		if i%100 == 0 {
			c.add(time.Millisecond)
		}
		if n := l.Len(); n > 1000 {
			t.Fatalf("%d buckets held after %d keys, bound is 1000", n, i+1)
		}
	}
	// Idle buckets go: after they refilled, one new key sweeps them.
	c.add(10 * time.Second)
	l.Allow("new")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d buckets held after every other bucket refilled, want 1", n)
	}
}

// A table full of busy buckets drops the least recently used first: an
// exhausted key that keeps knocking keeps its empty bucket while older
// keys make room.
func TestEvictionDropsLeastRecentlyUsed(t *testing.T) {
	c := newClock()
	l := limiter(c, "1/h:1", 8)
	for i := range 7 {
		c.add(time.Second)
		l.Allow(fmt.Sprint("cold-", i))
	}
	c.add(time.Second)
	l.Allow("hot")
	for i := range 7 {
		c.add(time.Second)
		if ok, _ := l.Allow("hot"); ok {
			t.Fatalf("hot key allowed again after %d evictions: its bucket was dropped", i)
		}
		l.Allow(fmt.Sprint("new-", i))
		if l.Len() > 8 {
			t.Fatalf("%d buckets, bound 8", l.Len())
		}
	}
}

func TestOffAllowsEverything(t *testing.T) {
	var nilLimiter *ratelimit.Limiter
	off := limiter(newClock(), "off", 0)
	for range 1000 {
		if ok, _ := off.Allow("k"); !ok {
			t.Fatal("an off limit refused")
		}
		if ok, _ := nilLimiter.Allow("k"); !ok {
			t.Fatal("a nil limiter refused")
		}
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]string{
		"100/s": "100/s:100", "100/s:200": "100/s:200", "300/1m:50": "5/s:50", "30/m": "30/m:30",
		"1/h:5": "1/h:5", "5/10s": "30/m:5", "off": "off", "0": "off", " 7/s:1 ": "7/s:1",
	} {
		l, err := ratelimit.ParseLimit(in)
		if err != nil {
			t.Errorf("ParseLimit(%q): %v", in, err)
			continue
		}
		if l.String() != want {
			t.Errorf("ParseLimit(%q) = %s, want %s", in, l, want)
		}
		if back, err := ratelimit.ParseLimit(l.String()); err != nil || back != l {
			t.Errorf("%s does not read back: %v %v", l, back, err)
		}
	}
	for _, bad := range []string{"", "fast", "10", "0/s", "-1/s", "1/x", "1/s:0", "1/s:x", "1/0s", "1.5/s"} {
		if _, err := ratelimit.ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) accepted", bad)
		}
	}
}

func TestClientAddr(t *testing.T) {
	proxies, err := ratelimit.ParsePrefixes("10.0.0.0/8, 192.0.2.7, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote, xff string
		trusted           bool
		want              string
	}{
		{"no proxies: the connection", "203.0.113.5:4000", "198.51.100.1", false, "203.0.113.5"},
		{"untrusted peer cannot choose its address", "203.0.113.5:4000", "198.51.100.1", true, "203.0.113.5"},
		{"trusted proxy: the hop before it", "10.1.2.3:4000", "198.51.100.1", true, "198.51.100.1"},
		{"forged hops left of the real client are ignored", "10.1.2.3:4000", "1.1.1.1, 198.51.100.1, 192.0.2.7", true, "198.51.100.1"},
		{"only proxies: the leftmost", "10.1.2.3:4000", "192.0.2.7", true, "192.0.2.7"},
		{"malformed hop: the last trusted", "10.1.2.3:4000", "junk, 192.0.2.7", true, "192.0.2.7"},
		{"IPv6 keyed by /64", "[2a00:1450:4001:81c::1]:443", "", true, "2a00:1450:4001:81c::/64"},
		{"IPv4-mapped", "[::ffff:203.0.113.5]:1", "", false, "203.0.113.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			var ca ratelimit.ClientAddr
			if tc.trusted {
				ca.Trusted = proxies
			}
			if got := ratelimit.AddrKey(ca.Of(r)); got != tc.want {
				t.Errorf("key %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ratelimit.ParsePrefixes("10.0.0.0/8, proxy.example"); err == nil {
		t.Error("a host name was accepted as a trusted proxy")
	}
	if got := ratelimit.AddrKey(netip.Addr{}); got != "" {
		t.Errorf("zero address key %q", got)
	}
}
