package hatest

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The container image builds from a static binary (CGO_ENABLED=0,
// -trimpath, version stamped with -ldflags) into an empty base with CA
// certificates and a passwd entry, and runs as an unprivileged user. It is
// built with podman from deploy/container/Containerfile.prebuilt, whose
// layout deploy/container/rootfs.sh makes for the Dockerfile too.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_PODMAN") == "1" {
			t.Fatal("CARDVAULT_TEST_REQUIRE_PODMAN=1 but podman is not installed")
		}
		t.Skip("podman is not installed")
	}
	ctx := t.TempDir()
	bin := filepath.Join(t.TempDir(), "cardvault")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=9.9.9-image", "-o", bin, "../../cmd/cardvault")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked; the image has no libc")
		}
	}
	f.Close()
	run(t, "sh", "../../deploy/container/rootfs.sh", bin, ctx)

	const image = "localhost/cardvault-hatest:image"
	run(t, podman, "build", "-q", "-f", "../../deploy/container/Containerfile.prebuilt", "-t", image, ctx)
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", image).Run() })
	cfg := run(t, podman, "image", "inspect", "--format", "{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}", image)
	if strings.TrimSpace(cfg) != `65532:65532 ["/cardvault"] ["serve"]` {
		t.Errorf("image config: %s", cfg)
	}
	root := strings.TrimSpace(run(t, podman, "image", "mount", image))
	t.Cleanup(func() { _ = exec.Command(podman, "image", "unmount", image).Run() })
	for _, p := range []string{"cardvault", "etc/passwd", "etc/group", "etc/ssl/certs/ca-certificates.crt", "data"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("image lacks /%s: %v", p, err)
		}
	}
	if passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); !strings.Contains(string(passwd), "cardvault:x:65532:65532:") {
		t.Errorf("/etc/passwd has no cardvault user: %s", passwd)
	}
	if fi, err := os.Stat(filepath.Join(root, "data")); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 65532 {
		t.Errorf("/data is not owned by the vault's user: %v", err)
	}
	if out := run(t, filepath.Join(root, "cardvault"), "version"); strings.TrimSpace(out) != "cardvault 9.9.9-image" {
		t.Errorf("the image's binary says %q, want the stamped version", out)
	}
	// Starting a container needs a runtime the machine allows; say so when
	// it does not, rather than fail: the image itself is checked above.
	if out, err := exec.Command(podman, "run", "--rm", image, "version").CombinedOutput(); err != nil {
		t.Logf("podman cannot run containers here (%v): %s", err, strings.TrimSpace(string(out)))
	} else if strings.TrimSpace(string(out)) != "cardvault 9.9.9-image" {
		t.Errorf("podman run … version: %s", out)
	}
}

// run runs a command and returns its standard output, failing on error.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
