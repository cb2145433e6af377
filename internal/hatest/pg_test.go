package hatest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// requireHA skips the test unless this machine can run private PostgreSQL
// servers, or fails it when CARDVAULT_TEST_REQUIRE_HA=1 says it must run.
func requireHA(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts PostgreSQL servers and vault processes")
	}
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "not root (PostgreSQL must be started as the postgres user)"
	case pgBinDir() == "":
		why = "no /usr/lib/postgresql/*/bin/initdb"
	default:
		if _, err := user.Lookup("postgres"); err != nil {
			why = "no postgres OS user"
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CARDVAULT_TEST_REQUIRE_HA") == "1" {
		t.Fatalf("CARDVAULT_TEST_REQUIRE_HA=1 but %s", why)
	}
	t.Skip(why)
}

// pgBinDir is the newest installed PostgreSQL's bin directory, or "".
func pgBinDir() string {
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		return ""
	}
	sort.Slice(m, func(i, j int) bool { return version(m[i]) < version(m[j]) })
	return filepath.Dir(m[len(m)-1])
}

// version is the major version in a /usr/lib/postgresql/N/bin path.
func version(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	// Ports below Linux's ephemeral range (32768 and up): a port the kernel
	// hands out for outgoing connections (other packages' tests run at the
	// same time) could otherwise be taken between this check and the node
	// or server binding it.
	for range 1000 {
		port := 20000 + int(nextPort.Add(1)%12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// nextPort walks the ports freePort tries, from a random start per process.
var nextPort = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(rand.Int64N(12000))
	return &n
}()

// postgresDir makes a temporary directory owned by the postgres user,
// removed when the test ends.
func postgresDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cardvault-ha-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// asPostgres runs one of PostgreSQL's programs as the postgres user.
func asPostgres(t testing.TB, program string, args ...string) string {
	t.Helper()
	out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pgBinDir(), program)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", program, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pgServer is a private PostgreSQL server on 127.0.0.1.
type pgServer struct {
	dir  string // data directory
	port int
	name string
}

// URL is the server's connection URL for database postgres.
func (p *pgServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Host is the server's host:port.
func (p *pgServer) Host() string { return fmt.Sprintf("127.0.0.1:%d", p.port) }

// newPrimary initialises and starts a primary that streams WAL. With
// syncStandby set, a commit waits until that standby has flushed it.
func newPrimary(t testing.TB, syncStandby string) *pgServer {
	t.Helper()
	root := postgresDir(t)
	p := &pgServer{dir: filepath.Join(root, "primary"), port: freePort(t), name: "primary"}
	asPostgres(t, "initdb", "-D", p.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
wal_level = replica
max_wal_senders = 4
max_connections = 80
shared_buffers = 16MB
fsync = off
synchronous_commit = on
synchronous_standby_names = '%s'
`, p.port, root, syncStandby)
	appendFile(t, filepath.Join(p.dir, "postgresql.conf"), conf)
	p.start(t)
	t.Cleanup(func() { p.stopQuietly() })
	return p
}

// newStandby clones primary with pg_basebackup and starts it as a
// streaming standby named name.
func (p *pgServer) newStandby(t testing.TB, name string) *pgServer {
	t.Helper()
	s := &pgServer{dir: filepath.Join(filepath.Dir(p.dir), name), port: freePort(t), name: name}
	asPostgres(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.port), "-U", "postgres",
		"-D", s.dir, "-R", "-X", "stream", "--no-sync")
	appendFile(t, filepath.Join(s.dir, "postgresql.auto.conf"), fmt.Sprintf(`
port = %d
synchronous_standby_names = ''
primary_conninfo = 'host=127.0.0.1 port=%d user=postgres application_name=%s'
`, s.port, p.port, name))
	s.start(t)
	t.Cleanup(func() { s.stopQuietly() })
	return s
}

// start starts the server and waits until it accepts connections.
func (p *pgServer) start(t testing.TB) {
	t.Helper()
	asPostgres(t, "pg_ctl", "start", "-w", "-t", "60", "-D", p.dir, "-l", filepath.Join(filepath.Dir(p.dir), p.name+".log"))
}

// stopImmediately stops the server abruptly, as a crash or a lost machine
// would: no checkpoint, clients cut off.
func (p *pgServer) stopImmediately(t testing.TB) {
	t.Helper()
	asPostgres(t, "pg_ctl", "stop", "-m", "immediate", "-w", "-D", p.dir)
}

// restartImmediately stops the server abruptly and starts it again.
func (p *pgServer) restartImmediately(t testing.TB) {
	t.Helper()
	asPostgres(t, "pg_ctl", "restart", "-m", "immediate", "-w", "-t", "60", "-D", p.dir,
		"-l", filepath.Join(filepath.Dir(p.dir), p.name+".log"))
}

// promote turns a standby into a primary and waits until it is one.
func (p *pgServer) promote(t testing.TB) {
	t.Helper()
	asPostgres(t, "pg_ctl", "promote", "-w", "-t", "60", "-D", p.dir)
}

// stopQuietly stops the server if it runs, for clean-up.
func (p *pgServer) stopQuietly() {
	_ = exec.Command("runuser", "-u", "postgres", "--", filepath.Join(pgBinDir(), "pg_ctl"),
		"stop", "-m", "immediate", "-D", p.dir).Run()
}

// appendFile appends text to a file, failing the test on error.
func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
