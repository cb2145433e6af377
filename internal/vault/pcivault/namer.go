package pcivault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
)

// pvNamer names cache slots: the HMAC-SHA256, under a random key that
// never leaves this process (pvProcessKey), of a list of parts, each
// prefixed by its length so that no two lists name the same slot. Names
// cannot be computed outside the process. The HMAC states are reused, so
// naming allocates nothing on the reveal path.
type pvNamer struct{ pool sync.Pool }

// pvNaming is one name being built; from pvNamer.start to pvNaming.sum.
type pvNaming struct {
	n   *pvNamer
	h   hash.Hash
	buf []byte
	out []byte
}

func newPVNamer() *pvNamer {
	key := pvProcessKey()
	n := &pvNamer{}
	n.pool.New = func() any { return &pvNaming{n: n, h: hmac.New(sha256.New, key)} }
	return n
}

// start begins a name.
func (n *pvNamer) start() *pvNaming {
	w := n.pool.Get().(*pvNaming)
	w.buf = w.buf[:0]
	return w
}

// str adds a part.
func (w *pvNaming) str(s string) *pvNaming {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	w.buf = append(w.buf, s...)
	return w
}

// bytes adds a part.
func (w *pvNaming) bytes(b []byte) *pvNaming {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(b)))
	w.buf = append(w.buf, b...)
	return w
}

// sum returns the name and gives w back; w is not used after.
func (w *pvNaming) sum() [32]byte {
	w.h.Reset()
	w.h.Write(w.buf)
	w.out = w.h.Sum(w.out[:0])
	out := [32]byte(w.out)
	// The parts can hold a passphrase: none stays in pooled memory, neither
	// in the buffer nor in the hash's block (Reset after Sum).
	clear(w.buf)
	w.h.Reset()
	if cap(w.buf) > 64<<10 {
		w.buf = nil // an outsized entry's parts are not kept
	}
	w.n.pool.Put(w)
	return out
}
