package seal_test

import (
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestIntegritySeedSurvivesMasterRotation(t *testing.T) {
	oldKEK, _ := seal.NewLocalKEK(seal.GenerateKey())
	newKEK, _ := seal.NewLocalKEK(seal.GenerateKey())
	before, _ := seal.NewKeyringOf(oldKEK)
	legacyTag := before.MAC("card/v1", []byte("row")) // made before the seed existed
	wrapped, err := before.NewIntegritySeed()
	if err != nil {
		t.Fatal(err)
	}
	if err := before.UseIntegritySeed(wrapped); err != nil {
		t.Fatal(err)
	}
	tag := before.MAC("card/v1", []byte("row"))
	v, sig := before.CheckpointSign([]byte("heads"))
	if !before.VerifyMAC("card/v1", []byte("row"), legacyTag) {
		t.Fatal("a tag made before the seed no longer verifies")
	}

	during, _ := seal.NewKeyringOf(newKEK, oldKEK)
	rewrapped, err := during.RewrapIntegritySeed(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := seal.NewKeyringOf(newKEK) // the old key is gone
	if err := after.UseIntegritySeed(rewrapped); err != nil {
		t.Fatalf("re-wrapped seed under the new key alone: %v", err)
	}
	if !after.VerifyMAC("card/v1", []byte("row"), tag) {
		t.Fatal("a tag made before the rotation fails after it")
	}
	if !after.CheckpointVerify(v, []byte("heads"), sig) {
		t.Fatal("a checkpoint signed before the rotation fails after it")
	}
	if after.VerifyMAC("card/v1", []byte("other row"), tag) || after.VerifyMAC("card/v1", []byte("row"), legacyTag) {
		t.Fatal("a tag verified for another row, or under a key no longer held")
	}
	stranger, _ := seal.NewLocalKEK(seal.GenerateKey())
	wrong, _ := seal.NewKeyringOf(stranger)
	if err := wrong.UseIntegritySeed(rewrapped); err == nil {
		t.Fatal("another master key opened the seed")
	}
}

func TestMACWithoutIntegrityKeysPanics(t *testing.T) {
	kr, _ := seal.NewKeyringOf(brokenKEK{id: 7}) // a provider with no local key to derive from
	defer func() {
		if recover() == nil {
			t.Fatal("MAC without integrity keys returned a tag")
		}
	}()
	kr.MAC("card/v1", []byte("row"))
}
