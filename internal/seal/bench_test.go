package seal_test

import (
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func BenchmarkSeal(b *testing.B) {
	s := seal.NewSealer(seal.NewDataKey(1))
	pan := []byte("4111111111111111")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(pan, panAAD); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s := seal.NewSealer(seal.NewDataKey(1))
	blob, _ := s.Seal([]byte("4111111111111111"), panAAD)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(blob, panAAD); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealParallel(b *testing.B) {
	s := seal.NewSealer(seal.NewDataKey(1))
	pan := []byte("4111111111111111")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Seal(pan, panAAD); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSealTo(b *testing.B) {
	uk := newUserKey(b)
	pan := []byte("4111111111111111")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := seal.SealTo(uk.Public, []byte("info"), pan); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnlockedKeyOpen(b *testing.B) {
	uk := newUserKey(b)
	k := unlock(b, uk, pass)
	blob, _ := seal.SealTo(uk.Public, []byte("info"), []byte("4111111111111111"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open([]byte("info"), blob); err != nil {
			b.Fatal(err)
		}
	}
}
