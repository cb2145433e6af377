package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
