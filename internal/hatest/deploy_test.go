package hatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The systemd unit is valid and hardened: systemd-analyze verifies it (with
// ExecStart pointing at a real vault binary) and rates its exposure at most
// 2.0 of 10.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_SYSTEMD") == "1" {
			t.Fatal("CARDVAULT_TEST_REQUIRE_SYSTEMD=1 but systemd-analyze is not installed")
		}
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../../deploy/systemd/cardvault.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ProtectSystem=strict", "NoNewPrivileges=yes", "LoadCredential=master.key:",
		"CARDVAULT_MASTER_KEY_FILE=%d/master.key", "DynamicUser=yes"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	bin := vaultBinary(t)
	path := filepath.Join(t.TempDir(), "cardvault.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/cardvault", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// --threshold is on systemd's 0–100 scale: 20 is an exposure of 2.0.
	if out, err := exec.Command(analyze, "security", "--offline=yes", "--threshold=20", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 (%v)\n%s", err, out)
	}
}

// The Kubernetes manifests build with kustomize and hold what a platform
// team expects: probes on /healthz and /readyz, a non-root read-only
// container, the master key from a Secret, a PodDisruptionBudget.
func TestKubernetesManifests(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed (kustomize renders the manifests)")
	}
	out, err := exec.Command(kubectl, "kustomize", "../../deploy/kubernetes").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, want := range []string{"kind: Deployment", "kind: Service", "kind: Secret", "kind: PodDisruptionBudget",
		"path: /readyz", "path: /healthz", "runAsNonRoot: true", "readOnlyRootFilesystem: true",
		"CARDVAULT_MASTER_KEY_FILE", "secretName: cardvault", "CARDVAULT_DRAIN_DELAY", "maxUnavailable: 0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the manifests lack %q", want)
		}
	}
}
