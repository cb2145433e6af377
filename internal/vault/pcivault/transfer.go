package pcivault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// The line types of a cardvault export (docs/export-format.md) that this
// package writes and reads.
const (
	LineUser  = "pcivault_user"
	LineEntry = "pcivault_entry"
)

// UserLine is a PCI Vault user key as an export carries it: its public key
// and its private key still wrapped under the user's passphrase (with the
// Argon2id parameters), so the export never holds it in the clear and the
// passphrase keeps working after the import.
type UserLine struct {
	Type string `json:"type"`
	// Tenant is the source tenant's id: entries are bound to it.
	Tenant    string          `json:"tenant"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Key       json.RawMessage `json:"key"`
	CreatedAt time.Time       `json:"created_at"`
}

// EntryLine is a PCI Vault entry as an export carries it: its data still
// sealed to the user's key (readable only with the passphrase), under its
// token and reference. Its layers are bound to the tenant id and the
// entry id, so it imports only into a tenant with the same id.
type EntryLine struct {
	Type      string          `json:"type"`
	Tenant    string          `json:"tenant"`
	ID        string          `json:"id"`
	User      string          `json:"user"`
	Token     string          `json:"token"`
	Reference string          `json:"reference"`
	Sealed    json.RawMessage `json:"sealed"`
	CreatedAt time.Time       `json:"created_at"`
}

// LineTypes names the export line types ImportObject stores.
func (p *Service) LineTypes() []string { return []string{LineUser, LineEntry} }

// EachObject calls fn with every user key of the tenant, then every entry,
// as export lines. Nothing is opened: what is sealed to a user stays so.
func (p *Service) EachObject(ctx context.Context, tenant string, fn func(line any) error) error {
	if err := userRecords.Each(ctx, p.s, tenant, "", func(r vault.Stored[pvUserData]) error {
		key, err := json.Marshal(r.Value)
		if err != nil {
			return err
		}
		return fn(UserLine{Type: LineUser, Tenant: tenant, ID: r.ID, Name: r.Value.Name, Key: key, CreatedAt: r.CreatedAt})
	}); err != nil {
		return err
	}
	return entryRecords.Each(ctx, p.s, tenant, "", func(r vault.Stored[pvEntryData]) error {
		sealed, err := json.Marshal(r.Value)
		if err != nil {
			return err
		}
		return fn(EntryLine{Type: LineEntry, Tenant: tenant, ID: r.ID, User: r.Value.User, Token: r.Value.Token,
			Reference: r.Value.Reference, Sealed: sealed, CreatedAt: r.CreatedAt})
	})
}

// ImportObject stores a user key or entry line under its id, token and
// reference. Lines exported from a tenant with another id are rejected
// (entries are bound to it); an entry's user key must be imported first.
// A line already imported is AlreadyImported; a user name, id, or
// token and reference held by another is a conflict.
func (p *Service) ImportObject(ctx context.Context, tenant, typ string, raw json.RawMessage) (vault.ImportOutcome, error) {
	switch typ {
	case LineUser:
		var l UserLine
		var d pvUserData
		if json.Unmarshal(raw, &l) != nil || json.Unmarshal(l.Key, &d) != nil || d.Name != l.Name || len(d.Public) == 0 || len(d.WrappedPrivate) == 0 {
			return 0, vault.Invalid("key", "not a PCI Vault user key line")
		}
		if err := sameTenant(l.Tenant, tenant); err != nil {
			return 0, err
		}
		if err := pvValidUser(l.Name); err != nil {
			return 0, err
		}
		return userRecords.Import(ctx, p.s, vault.Stored[pvUserData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt, Value: d},
			func(old pvUserData) bool { return old.Name == d.Name && bytes.Equal(old.Public, d.Public) },
			"a key for this user already exists")
	case LineEntry:
		var l EntryLine
		var d pvEntryData
		if json.Unmarshal(raw, &l) != nil || json.Unmarshal(l.Sealed, &d) != nil || d.Token != l.Token || d.Reference != l.Reference ||
			d.User != l.User || d.Token == "" || len(d.Layers) == 0 {
			return 0, vault.Invalid("sealed", "not a PCI Vault entry line")
		}
		if err := sameTenant(l.Tenant, tenant); err != nil {
			return 0, err
		}
		if err := pvValidReference(d.Reference); err != nil {
			return 0, err
		}
		u, err := userRecords.Get(ctx, p.s, tenant, d.UserID)
		if err != nil || u.Value.Name != d.User {
			return 0, vault.Invalid("user", "the entry's user key is not in the import")
		}
		return entryRecords.Import(ctx, p.s, vault.Stored[pvEntryData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt, Value: d},
			func(old pvEntryData) bool {
				return old.UserID == d.UserID && old.Token == d.Token && old.Reference == d.Reference
			},
			"an entry with this token and reference, or this id, already exists")
	}
	return 0, vault.Invalid("type", "unknown line type %q", typ)
}

// sameTenant refuses PCI Vault lines exported from a tenant with another
// id: what is sealed to a user is bound to the tenant id.
func sameTenant(from, to string) error {
	if from != to {
		return vault.Invalid("tenant", "PCI Vault keys and entries are bound to their tenant id %q: import them into a tenant with that id", from)
	}
	return nil
}

// ImportCardEntry stores a card as an entry of user under the token and
// reference another vault gave it (a PCI Vault CSV dump), so that the
// merchant's stored token and reference keep working. The card is stored
// as PCI Vault's capture shape (card_number, card_expiry MM-YYYY,
// card_holder), sealed to the user's public key: no passphrase is needed,
// and only the passphrase reads it back. The user key must exist. An entry
// of the same user already under that token and reference is
// AlreadyImported (re-running an import is a no-op); another user's is a
// conflict.
func (p *Service) ImportCardEntry(ctx context.Context, tenant, user, token, reference string, in vault.CardInput) (vault.ImportOutcome, error) {
	if !pvValidToken(token) {
		return 0, vault.Invalid("token", "token must be 64 lowercase hexadecimal characters")
	}
	if err := pvValidReference(reference); err != nil {
		return 0, err
	}
	if err := pvNotCardLike("reference", reference); err != nil {
		return 0, err
	}
	if err := vault.ValidateCard(in, time.Time{}); err != nil {
		return 0, err
	}
	u, err := p.loadUser(ctx, p.s, tenant, user)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return 0, vault.Invalid("user", "no key for this user: create the user key first")
	}
	if err != nil {
		return 0, err
	}
	if old, err := entryRecords.ByKey(ctx, p.s, tenant, pvEntryKeyOf(token, reference)); err == nil {
		if old.Value.UserID == u.rec.ID {
			return vault.AlreadyImported, nil
		}
		return 0, vault.Errorf(vault.CodeConflict, "another user's data is stored with this token and reference")
	}
	card := map[string]string{"card_number": in.PAN.Digits()}
	if in.Expiry.Month != 0 {
		card["card_expiry"] = fmt.Sprintf("%02d-%d", in.Expiry.Month, in.Expiry.Year)
	}
	if in.Holder != "" {
		card["card_holder"] = in.Holder
	}
	data, err := json.Marshal(card)
	if err != nil {
		return 0, err
	}
	defer clear(data)
	e := pvNewEntry{user: u, reference: reference, data: data, numbered: true, token: token, key: userDataKey(tenant, u)}
	if _, err := p.writeEntry(ctx, tenant, e, pvNumber{}); err != nil {
		return 0, err
	}
	return vault.Imported, nil
}
