package ttlmap

import (
	"context"
	"errors"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"
)

// Loader reads values through a Cache, each kept for TTL after the read
// that found it began. Concurrent misses for one key make one read, which
// they share; a miss that starts after a Forget never shares a read that
// began before it, and that read keeps nothing.
type Loader[V any] struct {
	ttl    time.Duration
	now    func() time.Time
	cache  *Cache[string, V]
	flight singleflight.Group

	// OnMiss, when not nil, is called on every miss before the read (a
	// hook for tests); nil by default.
	OnMiss func()
}

// NewLoader returns a loader keeping at most max values, each for ttl, on
// the clock now. A ttl of zero or less keeps nothing: every Load reads.
func NewLoader[V any](ttl time.Duration, max int, now func() time.Time) *Loader[V] {
	if ttl <= 0 {
		max = 0
	}
	return &Loader[V]{ttl: ttl, now: now, cache: New[string, V](max)}
}

// Load returns the value kept for key, or else read's answer. read's keep
// says whether that answer may be kept (it is kept only when err is nil).
// The value returned may be shared with other callers and the cache: the
// caller must not change it.
func (l *Loader[V]) Load(ctx context.Context, key string, read func(context.Context) (v V, keep bool, err error)) (V, error) {
	if v, ok := l.cache.Get(key, l.now()); ok {
		return v, nil
	}
	if l.OnMiss != nil {
		l.OnMiss()
	}
	if l.cache.max <= 0 {
		v, _, err := read(ctx)
		return v, err
	}
	gen := l.cache.Generation()
	// The flight's key holds gen: a load that starts after a Forget never
	// joins a read that began before it.
	shared, err, _ := l.flight.Do(strconv.FormatUint(gen, 10)+"/"+key, func() (any, error) {
		if v, ok := l.cache.Get(key, l.now()); ok { // a flight just before this one kept it
			return v, nil
		}
		readAt := l.now() // the value is as old as the read's start
		v, keep, err := read(ctx)
		if err == nil && keep {
			l.cache.Put(key, v, gen, readAt, readAt.Add(l.ttl))
		}
		return v, err
	})
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The caller that read for everyone gave up; this one has not.
		v, _, err := read(ctx)
		return v, err
	}
	v, _ := shared.(V)
	return v, err
}

// Forget drops key: the next Load of it reads.
func (l *Loader[V]) Forget(key string) { l.cache.Forget(key) }

// ForgetIf drops every kept value that matches.
func (l *Loader[V]) ForgetIf(match func(V) bool) { l.cache.ForgetIf(match) }

// Len reports how many values are kept, expired ones included.
func (l *Loader[V]) Len() int { return l.cache.Len() }
