package postgres

import (
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// ReadMeta tells a database without tables, or without the key, from one
// that holds it.
func TestReadMetaWritesNothing(t *testing.T) {
	url := testURL(t)
	schema := freshSchema(t, url)
	scoped := url + "&search_path=" + schema
	if _, err := ReadMeta(t.Context(), scoped, "k"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("ReadMeta on an empty database: %v", err)
	}
	db, err := OpenSchema(t.Context(), url, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := ReadMeta(t.Context(), scoped, "k"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("ReadMeta of a missing key: %v", err)
	}
	if err := db.InsertMeta(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := ReadMeta(t.Context(), scoped, "k"); err != nil || string(v) != "v" {
		t.Fatalf("ReadMeta = %q, %v", v, err)
	}
}
