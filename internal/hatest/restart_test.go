package hatest

import (
	"context"
	"net/http"
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
	nodes := []*node{newNode(t, "a", env...), newNode(t, "b", env...)}
	for _, n := range nodes {
		n.start(t)
		n.waitReady(t)
	}

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
func countCards(t *testing.T, url string, ids []string) (present, total int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE id = ANY($1)), count(*) FROM cards`, ids).
		Scan(&present, &total); err != nil {
		t.Fatal(err)
	}
	return present, total
}
