package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// An entry's stored JSON is its event's fields, then its place in the
// chain, then its hash (Entry's field order). The event's part depends on
// nothing in the chain, so it is encoded (and masked) by the goroutine
// that records it, in parallel with every other caller, before the event
// joins a batch; the batch's transaction, which every write of the store
// waits in line for, only adds the chain fields, the MAC and the hash.

// prepared is an event made ready for the chain: masked, and its JSON.
type prepared struct {
	ev Event
	// body is json.Marshal(ev): the stored entry's JSON up to its closing
	// brace, since Event's fields come first in Entry.
	body []byte
}

// prepare masks ev and encodes it.
func prepare(ev Event) (prepared, error) {
	ev = masked(ev)
	body, err := json.Marshal(ev)
	return prepared{ev: ev, body: body}, err
}

// encodePrepared links a prepared event after the chain fields set in e:
// it sets e.Event to the event and e.Hash, and returns the entry as
// stored, byte for byte what encodeEntry, and so Verify through entryMAC,
// computes, without encoding the event again. An entry whose fields this
// encoder does not cover (a body that is not an object, a time JSON
// refuses) takes encodeEntry's way.
func (l *Log) encodePrepared(ctx context.Context, p prepared, e *Entry) ([]byte, error) {
	e.Event = p.ev
	unhashed, ok := appendChainFields(p.body, e)
	if !ok {
		return l.encodeEntry(ctx, e)
	}
	mac, err := l.mac(ctx, e.Tenant, macDomain, string(unhashed))
	if err != nil {
		return nil, err
	}
	e.Hash = mac
	if !isHex(mac) {
		return json.Marshal(e)
	}
	out := append(unhashed[:len(unhashed)-2], mac...) // up to the opening quote of the empty hash
	return append(out, `"}`...), nil
}

// appendChainFields returns the JSON of e with an empty hash, given body,
// the JSON of e's Event: body without its closing brace, then seq, at,
// prev_hash, pending and occurred_at as encoding/json writes them (omitting
// what Entry's tags omit), then the empty hash. ok is false when body is
// not an encoded object with at least one field or a time cannot be
// encoded.
func appendChainFields(body []byte, e *Entry) (b []byte, ok bool) {
	if len(body) < 3 || body[0] != '{' || body[len(body)-1] != '}' {
		return nil, false
	}
	b = make([]byte, 0, len(body)+256)
	b = append(b, body[:len(body)-1]...)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"at":`...)
	if b, ok = appendTime(b, e.At); !ok {
		return nil, false
	}
	b = append(b, `,"prev_hash":`...)
	b = appendString(b, e.PrevHash)
	if e.Pending != "" {
		b = append(b, `,"pending":`...)
		b = appendString(b, e.Pending)
	}
	if !e.OccurredAt.IsZero() {
		b = append(b, `,"occurred_at":`...)
		if b, ok = appendTime(b, e.OccurredAt); !ok {
			return nil, false
		}
	}
	return append(b, `,"hash":""}`...), true
}

// appendTime appends t as encoding/json writes a time.Time.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	j, err := t.MarshalJSON()
	if err != nil {
		return nil, false
	}
	return append(b, j...), true
}

// appendString appends s as encoding/json writes a string: quoted as is
// when it holds only printable ASCII that needs no escape (hex hashes and
// record ids do), and through encoding/json otherwise.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
