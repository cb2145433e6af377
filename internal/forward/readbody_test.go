package forward

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody checks the response reader against every relation of
// declared size, real size and limit: a body is returned whole when it
// fits, refused when it does not whatever size it declared, and never read
// further than one byte past the limit.
func TestReadBody(t *testing.T) {
	const limit = 100
	for _, tc := range []struct {
		name     string
		real     int
		declared int64
		tooLarge bool
	}{
		{"empty, declared", 0, 0, false},
		{"empty, unknown length", 0, -1, false},
		{"exact, declared", 40, 40, false},
		{"unknown length", 40, -1, false},
		{"at the limit, declared", limit, limit, false},
		{"at the limit, unknown length", limit, -1, false},
		{"one over, unknown length", limit + 1, -1, true},
		{"far over, unknown length", 10 * limit, -1, true},
		{"declared short, real longer", 60, 10, false},
		{"declared short, real over the limit", 10 * limit, 10, true},
		{"declared long, real shorter", 10, 90, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := bytes.Repeat([]byte("abcdefghij"), tc.real/10+1)[:tc.real]
			src := &countingReader{r: iotest.HalfReader(bytes.NewReader(want))}
			got, err := readBody(src, tc.declared, limit)
			if tc.tooLarge {
				if !errors.Is(err, errBodyTooLarge) || got != nil {
					t.Fatalf("readBody = %d bytes, %v; want errBodyTooLarge", len(got), err)
				}
				if src.n > limit+1 {
					t.Errorf("read %d bytes of an oversized body, want at most %d", src.n, limit+1)
				}
				return
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("readBody = %q, %v; want %q", got, err, want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("connection reset")
		_, err := readBody(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom)), -1, limit)
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the reader's error", err)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestOutboundHeaderCaseVariants checks that header keys in any letter case
// meet the same rules as canonical ones, on both sides: a lowercase
// connection header still names hop-by-hop headers, lowercase credentials
// are dropped, an own header replaces the passed-on one whatever the case
// of either, and the result shares no slice with the caller's headers.
func TestOutboundHeaderCaseVariants(t *testing.T) {
	from := http.Header{
		"connection":    {"x-hop, Keep-Alive"},
		"X-Hop":         {"1"},
		"x-api-key":     {"vault-key"},
		"authorization": {"Bearer vault"},
		"proxy-foo":     {"p"},
		"content-type":  {"text/plain"},
		"Content-Type":  {"text/xml"},
		"x-trace":       {"a"},
		"X-Trace":       {"b"},
	}
	own := http.Header{
		"content-type":          {"application/json"},
		"Authorization":         {"Bearer provider"},
		"connection":            {"x-own-hop"},
		"X-Own-Hop":             {"1"},
		"x-vault-forward-thing": {"no"},
		"transfer-encoding":     {"chunked"},
		"Idempotency-Key":       {"k1"},
		"idempotency-key":       {"k2"},
	}
	out, bad := outboundHeader(from, own)
	if bad != "" {
		t.Fatalf("malformed header %q", bad)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range out {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Trace"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("headers = %v, want %v", keys, want)
	}
	if got := out["Content-Type"]; !reflect.DeepEqual(got, []string{"application/json"}) {
		t.Errorf("Content-Type = %q, want own's only", got)
	}
	if got := out["Authorization"]; !reflect.DeepEqual(got, []string{"Bearer provider"}) {
		t.Errorf("Authorization = %q, want own's only", got)
	}
	if got := slices.Sorted(slices.Values(out["Idempotency-Key"])); !reflect.DeepEqual(got, []string{"k1", "k2"}) {
		t.Errorf("Idempotency-Key = %q, want both case variants merged", got)
	}
	if got := slices.Sorted(slices.Values(out["X-Trace"])); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("X-Trace = %q, want both case variants merged", got)
	}
	out["Authorization"][0] = "changed"
	out["X-Trace"][0] = "changed"
	//lint:ignore SA1008 the test's input holds non-canonical keys on purpose
	if own["Authorization"][0] != "Bearer provider" || from["x-trace"][0] != "a" || from["X-Trace"][0] != "b" {
		t.Error("outboundHeader shares value slices with its inputs")
	}
}

// TestInboundHeaderStripsHopByHop checks the response side: hop-by-hop,
// Proxy-* and Connection-named headers go, in any letter case, and the
// rest stay with their values.
func TestInboundHeaderStripsHopByHop(t *testing.T) {
	in := http.Header{
		"Content-Type":       {"application/json"},
		"connection":         {"x-secret-hop"},
		"X-Secret-Hop":       {"1"},
		"Keep-Alive":         {"timeout=5"},
		"Proxy-Authenticate": {"Basic"},
		"transfer-encoding":  {"chunked"},
		"X-Request-Id":       {"r1"},
		"x-request-id":       {"r2"},
	}
	out := inboundHeader(in)
	if len(out) != 2 || out.Get("Content-Type") != "application/json" {
		t.Fatalf("inboundHeader = %v, want Content-Type and X-Request-Id only", out)
	}
	if got := slices.Sorted(slices.Values(out["X-Request-Id"])); !reflect.DeepEqual(got, []string{"r1", "r2"}) {
		t.Errorf("X-Request-Id = %q, want both case variants merged", got)
	}
}
