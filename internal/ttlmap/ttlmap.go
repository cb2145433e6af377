// Package ttlmap keeps the vault's short-lived in-memory caches (API keys,
// tenant states) within their size bound.
package ttlmap

import "time"

// Evict makes room in m: it deletes every entry whose expiry (as expires
// reads it) is not after now or, when none has expired, one arbitrary
// entry. The caller holds whatever lock guards m.
func Evict[K comparable, V any](m map[K]V, now time.Time, expires func(V) time.Time) {
	n := len(m)
	for k, v := range m {
		if !now.Before(expires(v)) {
			delete(m, k)
		}
	}
	if len(m) < n {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}
