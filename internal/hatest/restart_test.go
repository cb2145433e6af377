package hatest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// An immediate PostgreSQL restart under load on two nodes: requests in
// flight fail with a retryable 503 (never a 500 or a dropped connection),
// the pools recover without restarting the vault, every acknowledged card
// is in the database, and nothing beyond the acknowledged cards and the
// writes whose outcome a 503 left unknown was written.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	requireHA(t)
	pg := newPrimary(t, "")
	env := []string{"CARDVAULT_DATABASE_URL=" + pg.URL(), "CARDVAULT_MASTER_KEY=" + masterKey()}
	nodes := startNodes(t, env, "a", "b")

	l := startLoad(6, func(w int, c *http.Client) answer {
		return do(c, "POST", nodes[w%len(nodes)].URL()+"/cardvault/v1/cards", cardBody)
	})
	l.waitAcks(t, 50, time.Time{})
	pg.restartImmediately(t)
	restarted := time.Now()
	l.waitAcks(t, 50, restarted)
	l.finish()

	t.Logf("under a database restart: %s", l.summary())
	l.requireOnly(t, true)
	for _, n := range nodes {
		if readyz(n) != http.StatusOK {
			t.Errorf("node %s not ready after the restart\n%s", n.name, n.Logs())
		}
	}
	ids := l.ids()
	present, total := countCards(t, pg.URL(), ids)
	if present != len(ids) {
		t.Fatalf("%d of %d acknowledged cards are in the database after the restart", present, len(ids))
	}
	if unknown := l.statuses[http.StatusServiceUnavailable]; total-present > unknown {
		t.Errorf("%d cards in the database that no client was told about, but only %d writes answered 503",
			total-present, unknown)
	}
}

// countCards returns how many of ids are in the cards table, and how many
// cards there are in all.
func countCards(t testing.TB, url string, ids []string) (present, total int) {
	t.Helper()
	const sql = `SELECT count(*) FILTER (WHERE id = ANY($1)), count(*) FROM cards`
	withConn(t, url, sql, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql, ids).Scan(&present, &total)
	})
	return present, total
}

// While the database is down every dialect answers 503 with Retry-After in
// its own error shape (authentication reads the store first, so this is the
// path every request takes), and once it is back the same node serves
// again without a restart.
func TestDatabaseDownEveryDialect(t *testing.T) {
	requireHA(t)
	pg := newPrimary(t, "")
	n := newNode(t, "a", "CARDVAULT_DATABASE_URL="+pg.URL(), "CARDVAULT_MASTER_KEY="+masterKey())
	n.start(t)
	n.waitReady(t)
	client := &http.Client{Timeout: 30 * time.Second}
	pg.stopQuietly()
	if readyz(n) != http.StatusServiceUnavailable {
		t.Errorf("/readyz is not 503 with the database down")
	}
	for _, tc := range []struct{ dialect, path, body, hdr, shape string }{
		{"native", "/cardvault/v1/cards", cardBody, "", `"code":"unavailable"`},
		{"PCI Vault", "/v1/vault?user=u&passphrase=ALongEnoughPassphraseForTheTest", `{"card_number":"4111111111111111"}`, "", `{"error":"`},
		{"Guardian", "/api/pci/tokens", `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`, "", `"classifier":"SERVICE_UNAVAILABLE"`},
		{"Gr4vy", "/payment-methods", `{"method":"card","number":"4111111111111111","expiration_date":"12/39"}`, "", `"code":"service_unavailable"`},
		{"Hyperswitch", "/v2/payment-methods", `{}`, "pro_shop", `"error":{`},
	} {
		a := do(client, "POST", n.URL()+tc.path, tc.body, "x-profile-id", tc.hdr)
		if a.err != nil || a.status != http.StatusServiceUnavailable || a.retryAfter == "" || !strings.Contains(a.body, tc.shape) {
			t.Errorf("%s with the database down: %d Retry-After %q %s (%v); want 503 with Retry-After in the shape %s",
				tc.dialect, a.status, a.retryAfter, a.body, a.err, tc.shape)
		}
	}
	pg.start(t)
	n.waitReady(t)
	mustStatus(t, do(client, "POST", n.URL()+"/cardvault/v1/cards", cardBody), http.StatusCreated)
	if strings.Contains(n.Logs(), "4111111111111111") {
		t.Error("a card number reached the log")
	}
}
