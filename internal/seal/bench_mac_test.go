package seal

import (
	"bytes"
	"strings"
	"testing"
)

func BenchmarkIndexKeySum(b *testing.B) {
	ik := NewIndexKey()
	entry := strings.Repeat(`{"tenant":"acme","action":"card.reveal"}`, 8)
	b.ReportAllocs()
	for b.Loop() {
		ik.Sum("audit", entry)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	ik := NewIndexKey()
	b.ReportAllocs()
	for b.Loop() {
		ik.Fingerprint("4111111111111111")
	}
}

func BenchmarkIntegrityMACVerify(b *testing.B) {
	k, _ := NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{7}, KeySize)})
	msg := IntegrityMessage("acme", "card_123", "tok_456", "2026-12-03T18:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		if !k.VerifyMAC("card", msg, k.MAC("card", msg)) {
			b.Fatal("tag does not verify")
		}
	}
}
