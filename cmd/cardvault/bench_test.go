package main

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/seal"
)

// Every scenario is prepared and runs without errors against an in-process vault, the
// ratios are printed, and the reports are written.
func TestBenchRunsEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every bench scenario")
	}
	dir := t.TempDir()
	md, svg := filepath.Join(dir, "r.md"), filepath.Join(dir, "r.svg")
	var out strings.Builder
	err := run(context.Background(), []string{"bench", "--duration=400ms", "--workers=2",
		"--markdown=" + md, "--svg=" + svg}, envOf(), &out, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, name := range scenarioNames {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+(\d+) req\s+(\d+) err`).FindStringSubmatch(out.String())
		if m == nil || m[2] != "0" { // how many ran depends on the machine's load: not asserted

			t.Errorf("scenario %s: %v in\n%s", name, m, out.String())
		}
	}
	for _, want := range []string{"forward / relay", "reveal-pcivault / reveal", "capture / tokenize", "peak resident memory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	table, err := os.ReadFile(md)
	if err != nil || strings.Count(string(table), "\n") != len(scenarioNames)+2 {
		t.Errorf("markdown (%v):\n%s", err, table)
	}
	f, err := os.Open(svg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := xml.NewDecoder(f).Decode(new(struct{ XMLName xml.Name })); err != nil {
		t.Errorf("SVG: %v", err)
	}
}

// --store runs the in-process vault on PostgreSQL (here in a schema of its
// own, chosen with the URL's search_path).
func TestBenchOnPostgreSQL(t *testing.T) {
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL is required (CARDVAULT_TEST_REQUIRE_POSTGRES=1) but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	schema := "bench_" + strings.ToLower(seal.RandomID(10))
	schema = strings.NewReplacer("-", "_").Replace(schema)
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		conn.Close(context.Background())
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	var out strings.Builder
	err = run(ctx, []string{"bench", "--duration=100ms", "--workers=2", "--scenarios=tokenize,reveal",
		"--store=" + url + sep + "search_path=" + schema}, envOf(), &out, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "on PostgreSQL") || !regexp.MustCompile(`(?m)^reveal\s+\d+ req\s+0 err`).MatchString(out.String()) {
		t.Fatalf("output:\n%s", out.String())
	}
	var cards int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+ident+".cards").Scan(&cards); err != nil || cards == 0 {
		t.Fatalf("cards in the benchmark's schema: %d, %v", cards, err)
	}
}
