package seal

import (
	"sync"
)

// IntegritySeedVersion names, in integrity tags and checkpoints, the keys
// derived from the vault's integrity seed.
const IntegritySeedVersion uint32 = 0

// integrityKeys are the keys behind Keyring.MAC and the checkpoint
// signatures, shared by every holder of the keyring. Until the vault
// installs its integrity seed they are derived from the local master keys
// (as before the seed existed); with a master key in an HSM there are none
// until then, and using them is a programming error.
//
// Why a seed: keys derived from the master key would change when it is
// rotated, and every tag and checkpoint made before would stop verifying
// once the previous key is dropped; and a master key in an HSM cannot be
// derived from. The seed is 32 random bytes stored wrapped by the master
// key (so rotate master re-wraps it like any data key) and the keys derived
// from it never change.
type integrityKeys struct {
	mu      sync.RWMutex
	set     bool
	current uint32
	derived map[uint32]derivedKeys
}

func newIntegrityKeys() *integrityKeys { return &integrityKeys{derived: map[uint32]derivedKeys{}} }

func (ik *integrityKeys) currentKeys() (uint32, derivedKeys) {
	ik.mu.RLock()
	defer ik.mu.RUnlock()
	if !ik.set {
		panic("seal: integrity keys not loaded: the vault's Init must install the integrity seed first")
	}
	return ik.current, ik.derived[ik.current]
}

func (ik *integrityKeys) keys(v uint32) (derivedKeys, bool) {
	ik.mu.RLock()
	defer ik.mu.RUnlock()
	d, ok := ik.derived[v]
	return d, ok
}

func (ik *integrityKeys) all() []derivedKeys {
	ik.mu.RLock()
	defer ik.mu.RUnlock()
	out := make([]derivedKeys, 0, len(ik.derived))
	for _, d := range ik.derived {
		out = append(out, d)
	}
	return out
}

var integritySeedAAD = []byte("cardvault/integrity-seed/v1")

// NewIntegritySeed returns a fresh seed wrapped under the current master
// key, for a store that has none yet.
func (k *Keyring) NewIntegritySeed() ([]byte, error) {
	seed := randomBytes(KeySize)
	defer clear(seed)
	return k.Wrap(seed, integritySeedAAD)
}

// UseIntegritySeed unwraps the vault's integrity seed and makes the keys
// derived from it the ones MAC and CheckpointSign use, for every holder of
// this keyring; tags made under the master-derived keys still verify.
func (k *Keyring) UseIntegritySeed(wrapped []byte) error {
	seed, err := k.Unwrap(wrapped, integritySeedAAD)
	if err != nil {
		return err
	}
	defer clear(seed)
	d, err := deriveKeys(seed)
	if err != nil {
		return err
	}
	k.integ.mu.Lock()
	defer k.integ.mu.Unlock()
	k.integ.derived[IntegritySeedVersion] = d
	k.integ.current, k.integ.set = IntegritySeedVersion, true
	return nil
}

// RewrapIntegritySeed re-wraps the seed under the current master key
// (rotate master).
func (k *Keyring) RewrapIntegritySeed(wrapped []byte) ([]byte, error) {
	return k.rewrap(wrapped, integritySeedAAD)
}
