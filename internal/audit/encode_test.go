package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// macLog is a Log that only hashes: the encoders need nothing else.
func macLog() *Log {
	return &Log{mac: func(_ context.Context, tenant, domain, value string) (string, error) {
		m := hmac.New(sha256.New, []byte("k:"+tenant))
		m.Write([]byte(domain + "\x00" + value))
		return hex.EncodeToString(m.Sum(nil)), nil
	}}
}

// checkEncoding fails t unless an entry encoded from its prepared event is
// byte for byte the entry encoded whole (what Verify recomputes), with the
// same hash, and the hash is the one Verify computes.
func checkEncoding(t *testing.T, ev Event, e Entry) {
	t.Helper()
	ctx := context.Background()
	l := macLog()
	p, err := prepare(ev)
	if err != nil {
		t.Fatal(err)
	}
	fast := e
	got, err := l.encodePrepared(ctx, p, &fast)
	if err != nil {
		t.Fatal(err)
	}
	whole := e
	whole.Event = p.ev
	want, err := l.encodeEntry(ctx, &whole)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || fast.Hash != whole.Hash {
		t.Fatalf("prepared encoding differs:\n got %s\nwant %s", got, want)
	}
	again := whole
	if h, err := l.hash(ctx, again); err != nil || h != fast.Hash {
		t.Fatalf("Verify's hash %q (%v), stored %q", h, err, fast.Hash)
	}
}

func TestPreparedEncodingIsTheWholeEncoding(t *testing.T) {
	at := time.Date(2026, 12, 3, 17, 4, 5, 123456000, time.UTC)
	for name, c := range map[string]struct {
		ev Event
		e  Entry
	}{
		"minimal": {Event{Tenant: "default", Action: "forward"}, Entry{Seq: 1, At: at}},
		"full": {Event{Tenant: "t1", Actor: "key_1", Action: "card.reveal", Targets: []string{"card_1", "card_2"},
			Detail: map[string]string{"z": "1", "a": "<b>&\"x\"", "host": "api.example"}, RequestID: "req-1"},
			Entry{Seq: 1 << 40, At: at, PrevHash: "ab01", Pending: "p/0001", OccurredAt: at.Add(-time.Second)}},
		"escapes in chain fields": {Event{Tenant: "t", Action: "a"},
			Entry{Seq: 7, At: at, PrevHash: "a\"b\\<c>&\u2028é\x01", Pending: "<&>"}},
		"card number masked": {Event{Tenant: "t", Action: "forward", Detail: map[string]string{"m": "4111111111111111"}},
			Entry{Seq: 2, At: at.Truncate(time.Second), PrevHash: "00"}},
		"zero at":      {Event{Tenant: "t", Action: "a"}, Entry{Seq: 0}},
		"invalid utf8": {Event{Tenant: "t\xff", Actor: "\xfe", Action: "a"}, Entry{Seq: 3, At: at, PrevHash: "\xff"}},
	} {
		t.Run(name, func(t *testing.T) { checkEncoding(t, c.ev, c.e) })
	}
}

func TestPreparedEventIsMasked(t *testing.T) {
	p, err := prepare(Event{Tenant: "t", Action: "forward", Targets: []string{"4111111111111111"}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.body, []byte("4111111111111111")) || p.ev.Targets[0] == "4111111111111111" {
		t.Fatalf("a card number reached the prepared event: %s", p.body)
	}
}

// FuzzPreparedEncoding: whatever an event and its chain fields hold, the
// entry encoded from the prepared event is the one Verify recomputes.
func FuzzPreparedEncoding(f *testing.F) {
	f.Add("default", "key", "forward", "card_1", "host", "example.com", "req", int64(1), "ab", "", int64(1764781445123456000), int64(0))
	f.Add("t<", "\u2028", "a&b", "", "", "", "", int64(-1), "\"", "p\\", int64(0), int64(-62135596800000000))
	f.Fuzz(func(t *testing.T, tenant, actor, action, target, dk, dv, req string, seq int64, prev, pending string, at, occurred int64) {
		ev := Event{Tenant: tenant, Actor: actor, Action: action, RequestID: req}
		if target != "" {
			ev.Targets = []string{target}
		}
		if dk != "" || dv != "" {
			ev.Detail = map[string]string{dk: dv}
		}
		e := Entry{Seq: seq, At: time.Unix(0, at).UTC(), PrevHash: prev, Pending: pending}
		if occurred != 0 {
			e.OccurredAt = time.Unix(0, occurred).In(time.FixedZone("x", 3600))
		}
		checkEncoding(t, ev, e)
	})
}
