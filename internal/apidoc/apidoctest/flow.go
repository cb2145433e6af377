package apidoctest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/server"
)

// Step is one request of a flow Run sends. "{name}" in Path, Body and
// header values takes a value Save kept from an earlier answer.
type Step struct {
	Method, Path, Body string
	// Headers are name, value pairs added to the flow's credential.
	Headers []string
	// Status is the answer the step expects; another fails the test.
	Status int
	// Save keeps top-level string fields of the JSON answer: name ← field.
	Save map[string]string
}

// Run sends steps in order to base through v's checking client, each with
// the credential header pairs, and fails the test on an unexpected status
// or on any request or answer the document does not describe. It returns
// the saved values.
func (v *Validator) Run(tb testing.TB, base string, steps []Step, credential ...string) map[string]string {
	tb.Helper()
	hc := v.Client(tb, nil)
	vars := map[string]string{}
	fill := func(s string) string {
		for k, val := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", val)
		}
		return s
	}
	for i, s := range steps {
		req, err := http.NewRequest(s.Method, base+fill(s.Path), strings.NewReader(fill(s.Body)))
		if err != nil {
			tb.Fatal(err)
		}
		if s.Body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		hs := append(append([]string(nil), credential...), s.Headers...)
		for j := 0; j+1 < len(hs); j += 2 {
			req.Header.Set(hs[j], fill(hs[j+1]))
		}
		resp, err := hc.Do(req)
		if err != nil {
			tb.Fatalf("step %d %s %s: %v", i, s.Method, s.Path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.Status {
			tb.Fatalf("step %d %s %s: %d %s, want %d", i, s.Method, s.Path, resp.StatusCode, server.RedactDigits(string(b)), s.Status)
		}
		var obj map[string]any
		_ = json.Unmarshal(b, &obj)
		for name, field := range s.Save {
			val, _ := obj[field].(string)
			if val == "" {
				tb.Fatalf("step %d %s %s: no %q in the answer", i, s.Method, s.Path, field)
			}
			vars[name] = val
		}
	}
	return vars
}

// WantChecked fails the test unless each "METHOD path" of the document was
// checked at least once.
func (v *Validator) WantChecked(tb testing.TB, ops ...string) {
	tb.Helper()
	checked := v.Checked()
	for _, op := range ops {
		if checked[op] == 0 {
			tb.Errorf("no exchange of %s was checked against the %s document", op, v.name)
		}
	}
}
