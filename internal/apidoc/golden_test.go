package apidoc_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// update rewrites the golden reference page.
var update = flag.Bool("update", false, "rewrite testdata/cardvault.golden.html")

// TestNativeReferencePageGolden keeps the native API's reference page as
// reviewed: a change to the document or the template shows up as a diff.
func TestNativeReferencePageGolden(t *testing.T) {
	docs, err := apidoc.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e := vaulttest.New(t, vaulttest.Options{Facades: func(vaulttest.Deps) []server.Facade { return []server.Facade{docs} }})
	_, page := e.Do(t, "GET", "/openapi/cardvault", "")
	golden := filepath.Join("testdata", "cardvault.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	defer f.Close()
	want, _ := io.ReadAll(f)
	if string(want) != string(page) {
		t.Errorf("the reference page differs from %s; review it and run with -update", golden)
	}
}
