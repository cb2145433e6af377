package hatest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requirePgBouncer skips the test without the pgbouncer binary, unless
// CARDVAULT_TEST_REQUIRE_PGBOUNCER=1 demands it.
func requirePgBouncer(t testing.TB) string {
	t.Helper()
	requireHA(t)
	path, err := exec.LookPath("pgbouncer")
	if err != nil {
		for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		if os.Getenv("CARDVAULT_TEST_REQUIRE_PGBOUNCER") == "1" {
			t.Fatal("CARDVAULT_TEST_REQUIRE_PGBOUNCER=1 but pgbouncer is not installed (apt-get install pgbouncer)")
		}
		t.Skip("pgbouncer is not installed")
	}
	return path
}

// startPgBouncer runs PgBouncer in front of pg, as the postgres user, with
// two databases: "vault" in transaction pooling mode and "vault_statement"
// in statement pooling mode. It returns PgBouncer's host:port.
func startPgBouncer(t testing.TB, bin string, pg *pgServer) string {
	t.Helper()
	dir := postgresDir(t)
	port := freePort(t)
	ini := fmt.Sprintf(`[databases]
vault = host=127.0.0.1 port=%[1]d dbname=postgres user=postgres pool_mode=transaction
vault_statement = host=127.0.0.1 port=%[1]d dbname=postgres user=postgres pool_mode=statement

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %[2]d
unix_socket_dir =
auth_type = trust
auth_file = %[3]s/userlist.txt
pool_mode = transaction
default_pool_size = 8
max_client_conn = 200
ignore_startup_parameters = synchronous_commit
logfile = %[3]s/pgbouncer.log
pidfile = %[3]s/pgbouncer.pid
`, pg.port, port, dir)
	for name, text := range map[string]string{"pgbouncer.ini": ini, "userlist.txt": `"postgres" ""` + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("runuser", "-u", "postgres", "--", bin, "-d", filepath.Join(dir, "pgbouncer.ini")).CombinedOutput(); err != nil {
		t.Fatalf("pgbouncer: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "pgbouncer.pid")); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(pid))).Run()
		}
	})
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// Behind PgBouncer in transaction pooling mode two nodes work under load
// with nothing set in the URL (the store notices the pooler and prepares
// no statements); in statement pooling mode the vault refuses to start and
// says what to change.
func TestPgBouncer(t *testing.T) {
	bin := requirePgBouncer(t)
	pg := newPrimary(t, "")
	bouncer := startPgBouncer(t, bin, pg)
	key := masterKey()

	t.Run("transaction pooling", func(t *testing.T) {
		env := []string{"CARDVAULT_MASTER_KEY=" + key,
			"CARDVAULT_DATABASE_URL=postgres://postgres@" + bouncer + "/vault?sslmode=disable"}
		nodes := startNodes(t, env, "a", "b")
		l := startLoad(6, func(w int, c *http.Client) answer {
			if w%3 == 2 { // reads, with the idempotency machinery, on the same connections
				return do(c, "POST", nodes[w%2].URL()+"/api/pci/tokens",
					`{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`,
					"x-idempotency-key", fmt.Sprintf("k-%d", time.Now().UnixNano()))
			}
			return do(c, "POST", nodes[w%2].URL()+"/cardvault/v1/cards", cardBody)
		})
		l.waitAcks(t, 300, time.Time{})
		l.finish()
		t.Logf("behind PgBouncer (transaction mode): %s", l.summary())
		l.requireOnly(t, false)
		if present, _ := countCards(t, pg.URL(), l.ids()); present != len(l.ids()) {
			t.Fatalf("%d of %d acknowledged cards in the database", present, len(l.ids()))
		}
	})

	t.Run("statement pooling is refused", func(t *testing.T) {
		n := newNode(t, "stmt", "CARDVAULT_MASTER_KEY="+key,
			"CARDVAULT_DATABASE_URL=postgres://postgres@"+bouncer+"/vault_statement?sslmode=disable")
		n.start(t)
		if err := n.wait(t, time.Minute); err == nil {
			t.Fatal("the vault started behind a pooler in statement mode")
		}
		if !strings.Contains(n.Logs(), "statement pooling mode") || !strings.Contains(n.Logs(), "pool_mode=transaction") {
			t.Errorf("the refusal does not say what to change:\n%s", n.Logs())
		}
	})
}
