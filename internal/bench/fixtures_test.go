package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
)

// A shell that sources WriteEnv's lines gets every value back unchanged,
// quotes, dollars and spaces included.
func TestWriteEnvSourcesBackInAShell(t *testing.T) {
	f := Fixtures{VaultURL: "http://127.0.0.1:1", APIKey: "k'ey $HOME `id`",
		PCIVault: PCIVault{User: "u", Passphrase: `it's "a" pass & phrase\`},
		Captures: []CaptureEndpoint{{Path: "/v1/capture/a", Secret: "s1"}, {Path: "/v1/capture/b", Secret: "s2"}}}
	var env bytes.Buffer
	if err := f.WriteEnv(&env); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "fixtures.env")
	if err := os.WriteFile(file, env.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString(`. "$0"`)
	for _, kv := range f.Env() {
		script.WriteString(`; printf '%s\0' "$` + kv[0] + `"`)
	}
	out, err := exec.Command("sh", "-c", script.String(), file).Output()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, env.String())
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	want := f.Env()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d: %q", len(got), len(want), got)
	}
	for i, kv := range want {
		if got[i] != kv[1] {
			t.Errorf("%s: sourced %q, want %q", kv[0], got[i], kv[1])
		}
	}
	if !strings.Contains(env.String(), "CAPTURE_PATHS='/v1/capture/a /v1/capture/b'") {
		t.Errorf("capture paths:\n%s", env.String())
	}
}

// The forward's template, rendered for the Guardian token's card the way
// the vault renders it, is byte for byte the body the bare relay and the
// direct call send: the three rows make the same provider call.
func TestGuardianForwardRendersToDirectBody(t *testing.T) {
	tpl, err := forward.Parse([]byte(GuardianForwardBody))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Check(forward.Guardian, 1); err != nil {
		t.Fatal(err)
	}
	var src struct {
		AccountNumber  string `json:"account_number"`
		ExpiryMonth    int    `json:"expiry_month"`
		ExpiryYear     int    `json:"expiry_year"`
		CardholderName string `json:"cardholder_name"`
		SecurityCode   string `json:"security_code"`
	}
	if err := json.Unmarshal([]byte(guardianCard), &src); err != nil {
		t.Fatal(err)
	}
	pan, err := card.ParsePAN(src.AccountNumber)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := card.ParseExpiry(fmt.Sprintf("%02d/%d", src.ExpiryMonth, src.ExpiryYear))
	if err != nil {
		t.Fatal(err)
	}
	code, err := card.ParseSecurityCode(src.SecurityCode, pan.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render("application/json", forward.Values(forward.Guardian,
		[]forward.Card{{PAN: pan, Holder: src.CardholderName, Expiry: exp, SecurityCode: code}}))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != DirectBody {
		t.Fatalf("rendered\n%s\nwant\n%s", got, DirectBody)
	}
}
