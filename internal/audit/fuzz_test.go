package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
)

// FuzzVerifyCheckpoint: whatever a checkpoint file holds, verifying it
// never panics, and only the genuine one is accepted.
func FuzzVerifyCheckpoint(f *testing.F) {
	ctx := context.Background()
	_, s := newLog(&testing.T{})
	// A fixed clock makes the genuine checkpoint the same in every fuzzing process.
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	l := audit.New(s, testMAC("k1"), testKeys(f, 1), func() time.Time { return at })
	for range 2 {
		if err := l.Record(ctx, audit.Event{Tenant: "default", Action: "forward"}); err != nil {
			f.Fatal(err)
		}
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		f.Fatal(err)
	}
	genuine, _ := json.Marshal(cp)
	f.Add(genuine)
	f.Add([]byte(`{"statement":{"format":"cardvault-audit-checkpoint/v1","heads":[{"tenant":"default","seq":9}]},"key_version":1,"signature":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var c audit.Checkpoint
		if json.Unmarshal(raw, &c) != nil {
			return
		}
		_, err := l.VerifyCheckpoint(ctx, c)
		if err == nil {
			again, _ := json.Marshal(c)
			if string(again) != string(genuine) {
				t.Fatalf("accepted a checkpoint that is not the genuine one: %s", raw)
			}
			return
		}
		if !errors.Is(err, audit.ErrBadCheckpoint) {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
