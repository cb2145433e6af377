package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// The writer never checkpoints inside a commit and keeps its statement
// journals in memory; the checkpointer does the copying.
func TestWriterSettings(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "s.db"))
	ctx := t.Context()
	var auto, temp int
	if err := db.writer.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if err := db.writer.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil {
		t.Fatal(err)
	}
	if auto != 0 || temp != 2 {
		t.Errorf("writer: wal_autocheckpoint %d (want 0), temp_store %d (want 2, memory)", auto, temp)
	}
	for name, q := range map[string]querier{"writer": db.writer, "checkpointer": db.ckpt.db} {
		var mode int
		if err := q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 2 {
			t.Errorf("%s: synchronous %d, want 2 (FULL)", name, mode)
		}
	}
}

// Under writers that never pause, the log still starts over: the
// committer finishes what the background passes leave, so the log file
// stays far below what was written through it. Every write stays readable.
func TestLogStartsOverUnderContinuousWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db := openTest(t, path)
	db.ckpt.every = 4 // read by the committer, which starts with the first Tx
	db.ckpt.restartFrames.Store(64)
	ctx := context.Background()
	data := bytes.Repeat([]byte{'x'}, 6000) // two pages of data per record
	const writers, each = 8, 150
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := db.Tx(ctx, func(tx vault.Store) error {
					return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "k", ID: fmt.Sprintf("%d-%d", w, i), Data: data, Version: 1})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	written := int64(writers * each * 2 * 4096) // at least two frames a record
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > written/4 {
		t.Errorf("log file is %d bytes after %d bytes of records: it did not start over", fi.Size(), written)
	}
	if db.ckpt.passes.Load() == 0 {
		t.Error("no background checkpoint ran")
	}
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM records WHERE kind = 'k'`).Scan(&n); err != nil || n != writers*each {
		t.Errorf("records: %d, %v; want %d", n, err, writers*each)
	}
}
