package sessions

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

// TestSessionIDFormats: new ids are version 4 UUIDs; ids of the earlier
// 43-character format are still accepted; nothing else reaches the store.
func TestSessionIDFormats(t *testing.T) {
	id := newSessionID()
	if !validSessionID(id) || len(id) != uuidLen || id[14] != '4' {
		t.Fatalf("new session id %q is not a version 4 UUID", id)
	}
	if sessionRecordID(id) != sessionRecordID(strings.ToUpper(id)) {
		t.Fatal("a UUID's record id depends on its letter case")
	}
	if legacy := seal.RandomID(legacySessionIDLen); !validSessionID(legacy) {
		t.Fatalf("legacy id %q refused", legacy)
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 42) + "!", "8744c9ea-a02b-1ae6-875c-b64fc333e3ef",
		"8744c9ea-a02b-4ae6-c75c-b64fc333e3ef", "8744c9eaXa02b-4ae6-875c-b64fc333e3ef", "urn:uuid:" + id} {
		if validSessionID(bad) {
			t.Errorf("%q accepted as a session id", bad)
		}
	}
}
