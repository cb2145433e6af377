package seal

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// Labels of the keys derived from each master key. They are fixed forever:
// changing one changes every tag and the checkpoint key.
const (
	integrityLabel  = "cardvault/integrity/v1"
	checkpointLabel = "cardvault/audit-checkpoint/ed25519/v1"
)

// derivedKeys are the keys HKDF derives from one master key version.
type derivedKeys struct {
	integrity  []byte
	checkpoint ed25519.PrivateKey
	// macs are keyed HMAC states for integrity (macpool.go), made with
	// these keys and dropped with them.
	macs *macPool
}

// deriveKeys derives the integrity MAC key and the checkpoint signing key
// from a 32-byte master key with HKDF-SHA256 and fixed labels, so that the
// same master key always gives the same keys on every node.
func deriveKeys(master []byte) (derivedKeys, error) {
	mac, err := hkdf.Key(sha256.New, master, nil, integrityLabel, 32)
	if err != nil {
		return derivedKeys{}, err
	}
	seed, err := hkdf.Key(sha256.New, master, nil, checkpointLabel, ed25519.SeedSize)
	if err != nil {
		return derivedKeys{}, err
	}
	return derivedKeys{integrity: mac, checkpoint: ed25519.NewKeyFromSeed(seed), macs: newMACPool(mac)}, nil
}

// IntegrityMessage encodes parts, each length-prefixed, so that a sequence
// of values has exactly one encoding: ("ab","c") and ("a","bc") differ.
func IntegrityMessage(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += lpLen(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = appendLP(b, p)
	}
	return b
}

// macTagLen is the length of a tag: a 4-byte key version and HMAC-SHA256.
const macTagLen = 4 + sha256.Size

// MAC returns a tag over msg for one purpose (domain) under the integrity
// key derived from the current master key: the master key version (4 bytes,
// big endian) followed by HMAC-SHA256(key, domain, msg). The store never
// holds the key, so someone who can write the database cannot make a tag
// for a row they forge or edit. Build msg with IntegrityMessage.
func (k *Keyring) MAC(domain string, msg []byte) []byte {
	v, d := k.integ.currentKeys()
	tag := binary.BigEndian.AppendUint32(make([]byte, 0, macTagLen), v)
	return d.integritySum(tag, domain, msg)
}

// VerifyMAC reports, in constant time, whether tag is the MAC of msg for
// domain under the master key version it names. A tag of the wrong length,
// naming a version the keyring lacks, or made for another message or
// domain is false.
func (k *Keyring) VerifyMAC(domain string, msg, tag []byte) bool {
	if len(tag) != macTagLen {
		return false
	}
	d, ok := k.integ.keys(binary.BigEndian.Uint32(tag))
	if ok {
		return d.integrityEqual(tag[4:], domain, msg)
	}
	// A version this keyring does not name: a tag made before master keys
	// had derived IDs (version 1) under a key it still holds.
	for _, d := range k.integ.all() {
		if d.integrityEqual(tag[4:], domain, msg) {
			return true
		}
	}
	return false
}

// integritySum appends to dst HMAC-SHA256 under d.integrity of the
// length-prefixed domain and msg, with a pooled keyed state.
func (d derivedKeys) integritySum(dst []byte, domain string, msg []byte) []byte {
	s := d.macs.get()
	s.buf = appendLP(s.buf, domain)
	s.h.Write(s.buf)
	s.h.Write(msg)
	dst = s.h.Sum(dst)
	d.macs.put(s)
	return dst
}

// integrityEqual reports, in constant time, whether sum is integritySum of
// domain and msg; the sum is computed in the pooled state's scratch buffer.
func (d derivedKeys) integrityEqual(sum []byte, domain string, msg []byte) bool {
	s := d.macs.get()
	s.buf = appendLP(s.buf, domain)
	s.h.Write(s.buf)
	s.h.Write(msg)
	n := len(s.buf)
	s.buf = s.h.Sum(s.buf)
	ok := hmac.Equal(sum, s.buf[n:])
	d.macs.put(s)
	return ok
}

// CheckpointSign signs msg with the Ed25519 key derived from the current
// master key and returns the version that names the key and the signature.
func (k *Keyring) CheckpointSign(msg []byte) (uint32, []byte) {
	v, d := k.integ.currentKeys()
	return v, ed25519.Sign(d.checkpoint, msg)
}

// CheckpointPublicKey returns the public half of the checkpoint key of a
// master key version, so that a checkpoint can be checked against the key
// the vault holds rather than one the checkpoint names.
func (k *Keyring) CheckpointPublicKey(version uint32) (ed25519.PublicKey, bool) {
	d, ok := k.integ.keys(version)
	if !ok {
		return nil, false
	}
	return d.checkpoint.Public().(ed25519.PublicKey), true
}

// CheckpointVerify reports whether sig is a signature of msg by the
// checkpoint key of the given master key version held in this keyring.
func (k *Keyring) CheckpointVerify(version uint32, msg, sig []byte) bool {
	pub, ok := k.CheckpointPublicKey(version)
	return ok && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
}
