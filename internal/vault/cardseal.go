package vault

import (
	"encoding/json"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
)

// cardJSON is a new card's metadata and extra as they are stored (the
// metadata in the clear, the extra sealed), encoded once for both the
// size and PAN checks and the store.
type cardJSON struct {
	metadata, extra []byte
}

// encodeCardJSON encodes in's metadata and extra.
func encodeCardJSON(in CardInput) cardJSON {
	return cardJSON{metadata: mapJSON(in.Metadata), extra: mapJSON(in.Extra)}
}

// mapJSON is json.Marshal(nonNil(m)): {} for an empty or nil map, without
// encoding/json's reflection for it (most cards have neither metadata nor
// extra). A map of strings always encodes.
func mapJSON(m map[string]string) []byte {
	if len(m) == 0 {
		return []byte{'{', '}'}
	}
	b, _ := json.Marshal(m)
	return b
}

// sealCardWith fills the sealed columns of c under tk, the keys of
// c's tenant; rawExtra is the extra fields' JSON (mapJSON).
func sealCardWith(tk *tenantKeys, c *Card, pan card.PAN, holder string, rawExtra []byte) error {
	var err error
	aad := seal.AAD{Tenant: c.Tenant, Record: c.ID, Field: fieldPAN}
	if c.SealedPAN, err = tk.sealer.Seal([]byte(pan.Digits()), aad); err != nil {
		return err
	}
	aad.Field = fieldHolder
	if c.SealedHolder, err = tk.sealer.Seal([]byte(holder), aad); err != nil {
		return err
	}
	aad.Field = fieldExtra
	c.SealedExtra, err = tk.sealer.Seal(rawExtra, aad)
	return err
}

// createdView is the masked view of c, just created from in: what view
// would give after decoding c's metadata, without decoding it when there
// is none (a map of strings decoded from its own encoding is the map, but
// for text that is not valid UTF-8, which the encoding replaces: so a
// card with metadata is decoded as every read does).
func (s *Service) createdView(c Card, in CardInput) CardView {
	if len(in.Metadata) > 0 {
		return s.view(c, in.PAN, in.Holder)
	}
	return s.viewWith(c, in.PAN, in.Holder, map[string]string{})
}
