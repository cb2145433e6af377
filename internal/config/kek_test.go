package config

import (
	"io"
	"strings"
	"testing"
)

func TestKEKSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // problems named; none means valid
	}{
		{"env default", nil, nil},
		{"pkcs11 complete", map[string]string{"CARDVAULT_KEK_PROVIDER": "pkcs11", "CARDVAULT_PKCS11_MODULE": "/m.so",
			"CARDVAULT_PKCS11_TOKEN_LABEL": "t", "CARDVAULT_PKCS11_PIN_FILE": "/pin", "CARDVAULT_MASTER_KEY_PREVIOUS": "k"}, nil},
		{"pkcs11 incomplete", map[string]string{"CARDVAULT_KEK_PROVIDER": "pkcs11", "CARDVAULT_PKCS11_KEY_LABEL": ""},
			[]string{"pkcs11-module: required", "pkcs11-token-label: required", "pkcs11-pin-file: required"}},
		{"pkcs11 with a local current key", map[string]string{"CARDVAULT_KEK_PROVIDER": "pkcs11", "CARDVAULT_PKCS11_MODULE": "/m.so",
			"CARDVAULT_PKCS11_TOKEN_LABEL": "t", "CARDVAULT_PKCS11_PIN_FILE": "/pin", "CARDVAULT_MASTER_KEY": "k"}, []string{"master-key: the current master key is in the PKCS#11 token"}},
		{"token settings without the provider", map[string]string{"CARDVAULT_PKCS11_MODULE": "/m.so"}, []string{"pkcs11-module: set, but kek-provider is env"}},
		{"unknown provider", map[string]string{"CARDVAULT_KEK_PROVIDER": "vault"}, []string{`kek-provider: "vault"`}},
		{"two previous keys", map[string]string{"CARDVAULT_MASTER_KEY_PREVIOUS": "a", "CARDVAULT_MASTER_KEY_PREVIOUS_FILE": "b"}, []string{"set one, not both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("serve", nil, getenv(tc.env), io.Discard)
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if len(tc.want) > 0 && err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q: %v", w, err)
				}
			}
		})
	}
}

func TestDumpHidesPreviousMasterKey(t *testing.T) {
	c, err := Load("serve", nil, getenv(map[string]string{"CARDVAULT_MASTER_KEY_PREVIOUS": "c2VjcmV0LXByZXZpb3Vz"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Dump(); strings.Contains(d, "c2VjcmV0") || !strings.Contains(d, "master-key-previous=[set]") {
		t.Fatalf("dump shows the previous master key:\n%s", d)
	}
}
