package seal_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestKeysRedactThemselves(t *testing.T) {
	kr, masterKey := newKeyring(t, 4)
	ik := seal.NewIndexKey()
	dk := seal.NewDataKey(9)
	s := seal.NewSealer(dk)
	uk := unlock(t, newUserKey(t), pass)

	values := map[string]struct {
		v    any
		want string
	}{
		"DataKey":      {dk, "seal.DataKey{Version:9, key:REDACTED}"},
		"IndexKey":     {ik, "seal.IndexKey{REDACTED}"},
		"*Keyring":     {kr, "seal.Keyring{Current:4, REDACTED}"},
		"Keyring":      {*kr, "seal.Keyring{Current:4, REDACTED}"},
		"*Sealer":      {s, "seal.Sealer{Current:9, REDACTED}"},
		"Sealer":       {*s, "seal.Sealer{Current:9, REDACTED}"},
		"*UnlockedKey": {uk, "seal.UnlockedKey{REDACTED}"},
	}
	for name, tt := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
			if got := fmt.Sprintf(verb, tt.v); got != tt.want {
				t.Errorf("%s with %s = %q, want %q", name, verb, got, tt.want)
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "k", tt.v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", tt.v)
		if strings.Count(buf.String(), "REDACTED") != 2 {
			t.Errorf("%s logs as %q", name, buf.String())
		}
	}

	secretHex := []string{hex.EncodeToString(masterKey), hex.EncodeToString(ik.Bytes())}
	out := fmt.Sprintf("%v %+v %#v", struct {
		K *seal.Keyring
		I seal.IndexKey
	}{kr, ik}, []any{kr, ik}, map[string]any{"k": kr})
	for _, h := range secretHex {
		if strings.Contains(out, h) {
			t.Fatal("key bytes reached formatted output")
		}
	}

	// fmt cannot call methods on unexported fields; the key bytes must
	// still stay out of sight.
	nested := fmt.Sprintf("%+v %#v", struct {
		dk seal.DataKey
		ik seal.IndexKey
	}{dk, ik}, struct{ ik seal.IndexKey }{ik})
	if raw := strings.Trim(fmt.Sprint(ik.Bytes()), "[]"); strings.Contains(nested, raw) {
		t.Fatalf("nested IndexKey printed its bytes: %s", nested)
	}
	if !strings.Contains(nested, "0x") {
		t.Fatalf("nested keys did not print as addresses: %s", nested)
	}
}
