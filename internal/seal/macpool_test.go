package seal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
)

// plainSum is the construction the pooled states replace: a fresh HMAC.
func plainSum(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// macInputs are messages of many lengths, around the SHA-256 block size and
// beyond the largest scratch buffer a pooled state keeps.
func macInputs() []string {
	var in []string
	for _, n := range []int{0, 1, 15, 55, 56, 63, 64, 65, 127, 128, 300, 1000, maxPooledBuf + 1, 3 * maxPooledBuf} {
		in = append(in, strings.Repeat(string(rune('a'+n%26)), n))
	}
	return in
}

// The pooled IndexKey MACs are byte for byte the plain HMAC, call after
// call on the same states, from many goroutines at once.
func TestIndexKeyPooledMatchesPlain(t *testing.T) {
	ik := NewIndexKey()
	key := ik.Bytes()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				for _, v := range macInputs() {
					if got, want := ik.Fingerprint(v), hex.EncodeToString(plainSum(key, []byte("pan:"+v))); got != want {
						t.Errorf("Fingerprint(len %d) = %s, want %s", len(v), got, want)
						return
					}
					domain := v[:min(len(v), 70)]
					msg := appendLP([]byte("sum/v1:"), domain)
					if got, want := ik.Sum(domain, v), hex.EncodeToString(plainSum(key, msg, []byte(v))); got != want {
						t.Errorf("Sum(len %d) = %s, want %s", len(v), got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// The pooled integrity tags are byte for byte the plain HMAC, and verify.
func TestIntegrityPooledMatchesPlain(t *testing.T) {
	k, err := NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{7}, KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	_, d := k.integ.currentKeys()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				for _, v := range macInputs() {
					domain := v[:min(len(v), 200)]
					want := binary.BigEndian.AppendUint32(nil, 1)
					want = append(want, plainSum(d.integrity, appendLP(nil, domain), []byte(v))...)
					tag := k.MAC(domain, []byte(v))
					if !bytes.Equal(tag, want) {
						t.Errorf("MAC(len %d) = %x, want %x", len(v), tag, want)
						return
					}
					if !k.VerifyMAC(domain, []byte(v), tag) || k.VerifyMAC(domain+"x", []byte(v), tag) {
						t.Errorf("VerifyMAC(len %d) wrong", len(v))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// A state goes back to the pool holding neither the message it hashed nor
// a state that would leak it into the next sum.
func TestMACPoolPutForgetsTheMessage(t *testing.T) {
	key := bytes.Repeat([]byte{9}, KeySize)
	mp := newMACPool(key)
	s := mp.get()
	s.buf = append(s.buf, "pan:4111111111111111"...)
	s.h.Write(s.buf)
	buf := s.buf
	mp.put(s)
	if bytes.Contains(buf[:cap(buf)], []byte("4111")) {
		t.Fatal("the scratch buffer still holds the message")
	}
	if got, want := s.h.Sum(nil), plainSum(key); !bytes.Equal(got, want) {
		t.Fatal("a returned state is not at its keyed start")
	}
}
