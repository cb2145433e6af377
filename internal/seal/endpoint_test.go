package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestEndpointKeyInteroperates(t *testing.T) {
	uk := newUserKey(t)
	secret := seal.NewSecret()
	info := []byte("tenant-a/capture/NjUDoEi3z8zFB33WEwSRg")
	ek, err := seal.NewEndpointKey(uk.Public, secret, info)
	if err != nil {
		t.Fatal(err)
	}
	bySecret, err := ek.SealerFromSecret(secret, info)
	if err != nil {
		t.Fatal(err)
	}
	byPass, err := unlock(t, uk, pass).OpenEndpointKey(ek, info)
	if err != nil {
		t.Fatal(err)
	}
	if bySecret.CurrentVersion() != byPass.CurrentVersion() {
		t.Fatal("the two sealers name different keys")
	}

	captured, _ := bySecret.Seal([]byte("4111111111111111"), panAAD)
	if got, err := byPass.Open(captured, panAAD); err != nil || string(got) != "4111111111111111" {
		t.Fatalf("passphrase holder cannot read a capture: %v", err)
	}
	written, _ := byPass.Seal([]byte("J DOE"), panAAD)
	if got, err := bySecret.Open(written, panAAD); err != nil || string(got) != "J DOE" {
		t.Fatalf("secret sealer cannot open the passphrase sealer's output: %v", err)
	}
	if bytes.Contains(ek.WrappedBySecret, []byte(secret)) || bytes.Contains(ek.SealedToUser, []byte(secret)) {
		t.Fatal("endpoint key contains the secret")
	}
}

func TestEndpointKeyRejects(t *testing.T) {
	uk := newUserKey(t)
	k := unlock(t, uk, pass)
	secret := seal.NewSecret()
	info := []byte("tenant-a/capture/1")
	ek, err := seal.NewEndpointKey(uk.Public, secret, info)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("wrong secret", func(t *testing.T) {
		s, err := ek.SealerFromSecret(seal.NewSecret(), info)
		if !errors.Is(err, seal.ErrOpen) || s != nil {
			t.Fatalf("err = %v, want ErrOpen", err)
		}
	})
	t.Run("other info", func(t *testing.T) {
		other := []byte("tenant-a/capture/2")
		if _, err := ek.SealerFromSecret(secret, other); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("secret path: err = %v", err)
		}
		if _, err := k.OpenEndpointKey(ek, other); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("passphrase path: err = %v", err)
		}
	})
	t.Run("short secret", func(t *testing.T) {
		if _, err := seal.NewEndpointKey(uk.Public, "short", info); err == nil {
			t.Fatal("NewEndpointKey accepted a short secret")
		}
		if _, err := ek.SealerFromSecret("", info); err == nil {
			t.Fatal("SealerFromSecret accepted an empty secret")
		}
	})
	t.Run("other user", func(t *testing.T) {
		if _, err := unlock(t, newUserKey(t), pass).OpenEndpointKey(ek, info); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("every flipped byte of the wrapped key", func(t *testing.T) {
		eachFlip(t, ek.WrappedBySecret, func(i int, m []byte) {
			bad := ek
			bad.WrappedBySecret = m
			if _, err := bad.SealerFromSecret(secret, info); !errors.Is(err, seal.ErrOpen) {
				t.Fatalf("byte %d: err = %v", i, err)
			}
		})
	})
	t.Run("halves from another endpoint", func(t *testing.T) {
		other, _ := seal.NewEndpointKey(uk.Public, secret, []byte("tenant-a/capture/2"))
		mixed := seal.EndpointKey{SealedToUser: ek.SealedToUser, WrappedBySecret: other.WrappedBySecret}
		if _, err := mixed.SealerFromSecret(secret, info); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("captures of another endpoint", func(t *testing.T) {
		other, _ := seal.NewEndpointKey(uk.Public, secret, info)
		s1, _ := ek.SealerFromSecret(secret, info)
		s2, _ := other.SealerFromSecret(secret, info)
		blob, _ := s1.Seal([]byte("x"), panAAD)
		if _, err := s2.Open(blob, panAAD); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("endpoint key is not a user data key", func(t *testing.T) {
		if _, err := k.OpenUserDataKey(ek.SealedToUser, info); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("err = %v", err)
		}
	})
}
