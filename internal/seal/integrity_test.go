package seal

import (
	"bytes"
	"testing"
)

func TestIntegrityMAC(t *testing.T) {
	k1, _ := NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{1}, KeySize)})
	again, _ := NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{1}, KeySize)})
	k2, _ := NewKeyring(2, map[uint32][]byte{1: bytes.Repeat([]byte{1}, KeySize), 2: bytes.Repeat([]byte{2}, KeySize)})
	other, _ := NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{3}, KeySize)})
	msg := IntegrityMessage("acme", "admin")
	tag := k1.MAC("api-key", msg)
	if !again.VerifyMAC("api-key", msg, tag) {
		t.Fatal("the same master key must give the same integrity key on every node")
	}
	if !k2.VerifyMAC("api-key", msg, tag) {
		t.Fatal("a tag under an older master key version must still verify while that version is held")
	}
	for name, ok := range map[string]bool{
		"other domain":     k1.VerifyMAC("card", msg, tag),
		"other message":    k1.VerifyMAC("api-key", IntegrityMessage("acm", "eadmin"), tag),
		"other master key": other.VerifyMAC("api-key", msg, tag),
		"truncated":        k1.VerifyMAC("api-key", msg, tag[:20]),
		"empty":            k1.VerifyMAC("api-key", msg, nil),
		"unknown version":  k1.VerifyMAC("api-key", msg, k2.MAC("api-key", msg)),
	} {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
	v, sig := k1.CheckpointSign(msg)
	if v != 1 || !again.CheckpointVerify(1, msg, sig) || other.CheckpointVerify(1, msg, sig) || k1.CheckpointVerify(1, []byte("x"), sig) {
		t.Fatal("checkpoint signatures must verify exactly under the same master key and message")
	}
}
