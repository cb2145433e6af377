package pcivault

import (
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/ttlmap"
)

// pvDataKeys keeps the data keys of entries opened while their user key is
// unlocked, so that reading an entry again costs AES-GCM only, not an HPKE
// (ML-KEM-768+X25519) decapsulation per data key.
//
// It is a memo of one pure function: opening the sealed data key bytes
// (with their info) under one unlocked user key. An entry is named by an
// HMAC, under a random key that never leaves this process, of the unlock
// cache slot of that user key (itself an HMAC of tenant, user record id,
// wrapped private key and passphrase), whether it is an endpoint key, the
// info and the sealed bytes. So a hit returns exactly the key that opening
// those bytes would return, and only to a caller who has just presented
// that user's passphrase: another tenant, another user, another passphrase
// or a rewrapped key names other slots; a sealed key changed in the store
// (an attacker with write access) names another entry and is opened, and
// checked, as before. Nothing is written to the store.
//
// Every entry expires with the unlock window of the key that opened it (the
// unlock cache's TTL from the unlock), never later. At most size keys are
// kept; when full, stale entries go first, then arbitrary ones
// (ttlmap.Cache). size < 0 keeps nothing.
type pvDataKeys struct {
	names *pvNamer
	keys  *ttlmap.Cache[[32]byte, *seal.Sealer]
}

func newPVDataKeys(size int) *pvDataKeys {
	return &pvDataKeys{names: newPVNamer(), keys: ttlmap.New[[32]byte, *seal.Sealer](size)}
}

// name names the cache entry of one sealed data key opened under the
// unlocked key in slot.
func (c *pvDataKeys) name(slot [32]byte, endpoint bool, info, sealed []byte) [32]byte {
	kind := "user"
	if endpoint {
		kind = "endpoint"
	}
	return c.names.start().bytes(slot[:]).str(kind).bytes(info).bytes(sealed).sum()
}

// get returns the data key named name if it is there and fresh at now.
func (c *pvDataKeys) get(name [32]byte, now time.Time) *seal.Sealer {
	s, _ := c.keys.Get(name, now)
	return s
}

// put keeps s under name until until (the end of the unlock window);
// nothing is kept when that is not after now.
func (c *pvDataKeys) put(name [32]byte, s *seal.Sealer, until, now time.Time) {
	c.keys.Put(name, s, c.keys.Generation(), now, until) // nothing is ever forgotten
}

// len reports how many data keys are cached, stale ones included.
func (c *pvDataKeys) len() int { return c.keys.Len() }

// openDataKey opens one data key of an entry under the unlocked key k,
// from the data key cache when it was opened in k's unlock window.
func (p *Service) openDataKey(k pvOpened, ek pvEntryKey) (*seal.Sealer, error) {
	now := p.s.Now()
	name := p.dataKeys.name(k.slot, ek.Endpoint, ek.Info, ek.Sealed)
	if s := p.dataKeys.get(name, now); s != nil {
		return s, nil
	}
	p.keyOpens.Add(1)
	var s *seal.Sealer
	var err error
	if ek.Endpoint {
		s, err = k.key.OpenEndpointKey(seal.EndpointKey{SealedToUser: ek.Sealed}, ek.Info)
	} else {
		s, err = k.key.OpenUserDataKey(ek.Sealed, ek.Info)
	}
	if err != nil {
		return nil, err
	}
	p.dataKeys.put(name, s, k.until, now)
	return s, nil
}
