package pcivault

import "testing"

func TestPassphraseChangeSpellings(t *testing.T) {
	for _, c := range []struct {
		name     string
		p        keyParams
		old, new string
	}{
		{"old and new named", keyParams{OldPassphrase: "o", NewPassphrase: "n"}, "o", "n"},
		{"passphrase is the old one beside new_passphrase", keyParams{Passphrase: "o", NewPassphrase: "n"}, "o", "n"},
		{"passphrase is the new one beside old_passphrase", keyParams{OldPassphrase: "o", Passphrase: "n"}, "o", "n"},
		{"explicit names win", keyParams{Passphrase: "x", OldPassphrase: "o", NewPassphrase: "n"}, "o", "n"},
		{"no new passphrase", keyParams{Passphrase: "o"}, "o", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if old, new := c.p.passphraseChange(); old != c.old || new != c.new {
				t.Fatalf("got old=%q new=%q, want %q %q", old, new, c.old, c.new)
			}
		})
	}
}
