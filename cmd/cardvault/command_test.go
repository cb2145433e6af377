package main

import (
	"bytes"
	"flag"
	"strconv"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// TestPrintPagesReadsEveryPage checks that a listing longer than a page is
// printed whole, in order, each page asked for after the last row's id.
func TestPrintPagesReadsEveryPage(t *testing.T) {
	var ids []string
	for i := 0; i < 2*listPageSize+7; i++ {
		ids = append(ids, strconv.Itoa(100000+i))
	}
	var afters []string
	list := func(p vault.Page) ([]string, error) {
		afters = append(afters, p.After)
		start := 0
		for start < len(ids) && p.After != "" && ids[start] <= p.After {
			start++
		}
		return ids[start:min(start+p.Limit, len(ids))], nil
	}
	var out bytes.Buffer
	id := func(s string) string { return s }
	if err := printPages(&out, "ID\tTWICE", list, id, func(s string) string { return s + "\t" + s + s }); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(ids)+1 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("got %d lines, want header and %d rows", len(lines), len(ids))
	}
	for i, want := range ids {
		if f := strings.Fields(lines[i+1]); len(f) != 2 || f[0] != want || f[1] != want+want {
			t.Fatalf("row %d = %q, want %s", i, lines[i+1], want)
		}
	}
	if len(afters) != 3 || afters[0] != "" || afters[1] != ids[listPageSize-1] || afters[2] != ids[2*listPageSize-1] {
		t.Fatalf("pages asked after %q", afters)
	}
}

// TestParseOwnFlagsDashArgument checks that an argument after "--" is
// positional even when it begins with a dash, as a JWT key's thumbprint
// can, and that the store flags before it still go to the store.
func TestParseOwnFlagsDashArgument(t *testing.T) {
	fs := flag.NewFlagSet("keys delete-jwt", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "")
	store, err := parseOwnFlags(fs, []string{"--db", "v.db", "--tenant", "acme", "--", "-5uuJmgGq"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(store, " ") != "--db v.db" || *tenant != "acme" || fs.NArg() != 1 || fs.Arg(0) != "-5uuJmgGq" {
		t.Fatalf("store args %q, tenant %q, positional %q", store, *tenant, fs.Args())
	}
	fs = flag.NewFlagSet("keys delete-jwt", flag.ContinueOnError)
	if _, err := parseOwnFlags(fs, []string{"kid-1", "-x"}); err != nil || fs.NArg() != 1 || fs.Arg(0) != "kid-1" {
		t.Fatalf("a plain positional: %v, %q", err, fs.Args())
	}
}
