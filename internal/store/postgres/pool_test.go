package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestPoolSizeDefaultsUpAndURLWins(t *testing.T) {
	for conn, want := range map[string]int32{
		"postgres://u@h/db":                        defaultMaxConns,
		"postgres://u@h/db?sslmode=disable":        defaultMaxConns,
		"postgres://u@h/db?pool_max_conns=3":       3,
		"postgresql://u@h/db?pool_max_conns=40":    40,
		"host=h user=u dbname=db":                  defaultMaxConns,
		"host=h user=u dbname=db pool_max_conns=2": 2,
	} {
		cfg, err := pgxpool.ParseConfig(conn)
		if err != nil {
			t.Fatal(err)
		}
		sizePool(cfg, conn)
		if cfg.MaxConns != want {
			t.Errorf("%s: pool of %d, want %d", conn, cfg.MaxConns, want)
		}
	}
}
