// Package ratelimit holds token-bucket rate limits keyed by a string (an API
// key id, a client address), in bounded memory, and the client-address rule
// that keys them.
//
// A bucket holds up to Burst tokens and gains Rate tokens per second; each
// request takes one, and a request that finds the bucket empty is refused
// with the time until a token is back. A bucket that has refilled completely
// is the same as no bucket, so idle buckets are dropped; when the table is
// full of busy ones, the least recently used are dropped (their keys start
// again with a full bucket, the only cost of the bound).
package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit is a rate and a burst. The zero Limit is "off": it allows
// everything.
type Limit struct {
	// Rate is the sustained number of requests per second.
	Rate float64
	// Burst is how many requests may come at once after a quiet spell.
	Burst int
}

// Off reports whether l allows everything.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Burst <= 0 }

// ParseLimit reads "COUNT/PERIOD" or "COUNT/PERIOD:BURST", such as "100/s",
// "300/1m:50" or "5/s:50", where PERIOD is s, m, h or a Go duration ("10s").
// The burst defaults to COUNT. "off" or "0" turns the limit off.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	spec, burstText, hasBurst := strings.Cut(s, ":")
	countText, periodText, ok := strings.Cut(spec, "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %q: want COUNT/PERIOD[:BURST], like 100/s or 300/1m:50, or off", s)
	}
	count, err := strconv.Atoi(countText)
	if err != nil || count < 1 {
		return Limit{}, fmt.Errorf("rate limit %q: COUNT must be a positive whole number", s)
	}
	period, err := parsePeriod(periodText)
	if err != nil {
		return Limit{}, fmt.Errorf("rate limit %q: %v", s, err)
	}
	burst := count
	if hasBurst {
		burst, err = strconv.Atoi(burstText)
		if err != nil || burst < 1 {
			return Limit{}, fmt.Errorf("rate limit %q: BURST must be a positive whole number", s)
		}
	}
	return Limit{Rate: float64(count) / period.Seconds(), Burst: burst}, nil
}

func parsePeriod(s string) (time.Duration, error) {
	switch s {
	case "s":
		return time.Second, nil
	case "m":
		return time.Minute, nil
	case "h":
		return time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Millisecond {
		return 0, errors.New("PERIOD must be s, m, h or a duration of at least 1ms")
	}
	return d, nil
}

// String returns l in the form ParseLimit reads, as "COUNT/s:BURST" or
// "COUNT/m:BURST" (whichever gives a whole count), or "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	for _, p := range []struct {
		unit string
		d    time.Duration
	}{{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}} {
		n := l.Rate * p.d.Seconds()
		if n >= 1 && math.Abs(n-math.Round(n)) < 1e-9 {
			return fmt.Sprintf("%d/%s:%d", int64(math.Round(n)), p.unit, l.Burst)
		}
	}
	return fmt.Sprintf("%d/%s:%d", int64(math.Round(l.Rate*3600)), "h", l.Burst)
}

// Set parses s into l (flag.Value).
func (l *Limit) Set(s string) error {
	v, err := ParseLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// DefaultMaxKeys bounds a Limiter's table when Options.MaxKeys is zero.
const DefaultMaxKeys = 100_000

// Options tunes a Limiter.
type Options struct {
	// MaxKeys bounds how many buckets are held; 0 means DefaultMaxKeys.
	MaxKeys int
	// Now returns the time; nil means time.Now (tests set a fake clock).
	Now func() time.Time
}

// Limiter is a table of token buckets, one per key, all with the same
// Limit. It is safe for concurrent use.
type Limiter struct {
	limit   Limit
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	// lastSweep is when buckets that had refilled were last dropped.
	lastSweep time.Time
}

// bucket holds tokens as of last, its key's last request.
type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a Limiter applying l to every key.
func New(l Limit, o Options) *Limiter {
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Limiter{limit: l, maxKeys: o.MaxKeys, now: o.Now, buckets: map[string]*bucket{}}
}

// Limit returns the limit l applies.
func (l *Limiter) Limit() Limit { return l.limit }

// Allow takes a token from key's bucket. When the bucket is empty it
// returns false and how long until a token is back. A nil Limiter, or one
// whose Limit is off, allows everything.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil || l.limit.Off() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{tokens: float64(l.limit.Burst), last: now}
		l.buckets[key] = b
	} else {
		l.refill(b, now)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
	return false, max(wait, time.Millisecond)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(float64(l.limit.Burst), b.tokens+el*l.limit.Rate)
		b.last = now
	}
}

// fullAfter is how long an emptied bucket takes to refill completely.
func (l *Limiter) fullAfter() time.Duration {
	return time.Duration(float64(l.limit.Burst) / l.limit.Rate * float64(time.Second))
}

// makeRoom keeps the table bounded before a new bucket is added: buckets
// that have refilled are dropped (at most once per refill period, or
// whenever the table is full), then, if it is still full, the least
// recently used eighth.
func (l *Limiter) makeRoom(now time.Time) {
	full := len(l.buckets) >= l.maxKeys
	if !full && now.Sub(l.lastSweep) < l.fullAfter() {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.limit.Rate >= float64(l.limit.Burst) {
			delete(l.buckets, k) // refilled: the same as no bucket
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	drop := max(1, l.maxKeys/8)
	times := make([]time.Time, 0, len(l.buckets))
	for _, b := range l.buckets {
		times = append(times, b.last)
	}
	slices.SortFunc(times, time.Time.Compare)
	cut := times[drop-1]
	for k, b := range l.buckets {
		if drop > 0 && !b.last.After(cut) {
			delete(l.buckets, k)
			drop--
		}
	}
}

// Len returns how many buckets are held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
