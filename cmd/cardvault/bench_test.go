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
	err := run(context.Background(), []string{"bench", "--duration=150ms", "--workers=2",
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
