package seal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macPool hands out HMAC-SHA256 states keyed with one key, so that a hot
// path does not build a fresh HMAC (two SHA-256 states and the padded key)
// on every call: Reset restores a pooled state to its keyed start from the
// precomputed ipad/opad blocks, which is cheap. A pool belongs to the key
// object it was made for (an IndexKey, one master key version's derived
// keys) and becomes garbage with it; nothing maps key bytes to pools.
//
// States go back Reset and their scratch buffer cleared, so a pooled state
// holds the keyed start only, not the last message (a card number in a
// fingerprint).
type macPool struct{ p sync.Pool }

// macState is a keyed HMAC-SHA256 with a scratch buffer for building the
// message and the sum without allocating.
type macState struct {
	h   hash.Hash
	buf []byte
}

// maxPooledBuf bounds the scratch buffer a pooled state keeps: a larger one
// (a long audit entry) is dropped rather than held.
const maxPooledBuf = 4 << 10

// newMACPool returns a pool of HMAC-SHA256 states under a copy of key, so
// that a later change to the caller's slice cannot key new states otherwise.
func newMACPool(key []byte) *macPool {
	key = bytes.Clone(key)
	mp := &macPool{}
	mp.p.New = func() any {
		h := hmac.New(sha256.New, key)
		h.Reset() // precompute the keyed start, so later Resets only restore it
		return &macState{h: h, buf: make([]byte, 0, 256)}
	}
	return mp
}

// get returns a state at its keyed start with an empty scratch buffer.
func (mp *macPool) get() *macState { return mp.p.Get().(*macState) }

// put resets s to its keyed start, clears what its buffer held and returns
// it to the pool. s.buf must be the buffer's last use (its length covers
// everything written into it).
func (mp *macPool) put(s *macState) {
	s.h.Reset()
	clear(s.buf)
	s.buf = s.buf[:0]
	if cap(s.buf) > maxPooledBuf {
		s.buf = nil
	}
	mp.p.Put(s)
}
