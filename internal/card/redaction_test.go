package card_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

// The values the redaction tests try to leak. The security code is one no
// timestamp or masked PAN below can contain by chance.
const (
	leakPAN    = "4000056655665556"
	leakMasked = "400005******5556"
	leakCode   = "9731"
)

// fmtVerbs is every verb and flag combination a caller might plausibly use.
// %p is left out: fmt handles it before calling Format and, given a
// non-pointer, prints its error form by reflection; go vet rejects %p with a
// non-pointer argument (see the package comment).
var fmtVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%#q", "%d", "%x", "%X", "%08d", "%20s", "%-20v", "%.30s", "%T", "%b", "%o", "%e", "%U", "%c", "%t",
}

func leakValues(tb testing.TB) (card.PAN, card.SecurityCode) {
	tb.Helper()
	p := mustPAN(tb, leakPAN)
	c, err := card.ParseSecurityCode(leakCode, card.Unknown)
	if err != nil {
		tb.Fatal(err)
	}
	return p, c
}

// assertRedacted fails when out holds the full PAN or the security code.
func assertRedacted(tb testing.TB, how, out string) {
	tb.Helper()
	if strings.Contains(out, leakPAN) {
		tb.Errorf("%s leaks the PAN: %s", how, out)
	}
	if strings.Contains(out, leakCode) {
		tb.Errorf("%s leaks the security code: %s", how, out)
	}
}

func TestRedactionFmtEveryVerb(t *testing.T) {
	p, c := leakValues(t)
	type holder struct {
		PAN  card.PAN
		Code card.SecurityCode
		Ptr  *card.PAN
	}
	h := holder{PAN: p, Code: c, Ptr: &p}
	for _, verb := range fmtVerbs {
		t.Run(verb, func(t *testing.T) {
			for name, v := range map[string]any{
				"PAN": p, "*PAN": &p, "SecurityCode": c, "*SecurityCode": &c,
				"struct": h, "*struct": &h, "slice": []card.PAN{p}, "map": map[string]card.SecurityCode{"c": c},
			} {
				assertRedacted(t, name+" "+verb, fmt.Sprintf(verb, v))
			}
		})
	}
	if got := fmt.Sprintf("%v|%s|%#v|%q", p, p, p, p); got != leakMasked+"|"+leakMasked+"|"+leakMasked+"|\""+leakMasked+"\"" {
		t.Errorf("PAN formats as %s, want the masked form", got)
	}
	if got := fmt.Sprintf("%v|%d|%#v|%q", c, c, c, c); got != `***|***|***|"***"` {
		t.Errorf("SecurityCode formats as %s, want ***", got)
	}
	if got := fmt.Sprintf("[%20s]", p); got != "[    "+leakMasked+"]" {
		t.Errorf("width is not honoured: %s", got)
	}
}

func TestRedactionSlog(t *testing.T) {
	p, c := leakValues(t)
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, noTime) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, noTime) },
	}
	for name, newHandler := range handlers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(newHandler(&buf))
			log.Info("card", "pan", p, "code", c)
			log.Info("pointers", "pan", &p, "code", &c)
			log.Info("struct", "req", struct {
				PAN  card.PAN
				Code card.SecurityCode
			}{p, c})
			log.With("pan", p).WithGroup("g").Info("group", slog.Any("code", c))
			log.Info("message " + fmt.Sprint(p, c))
			assertRedacted(t, name+" handler", buf.String())
			if !strings.Contains(buf.String(), leakMasked) || !strings.Contains(buf.String(), "***") {
				t.Errorf("log does not show the masked forms: %s", buf.String())
			}
		})
	}
}

func TestRedactionJSON(t *testing.T) {
	p, c := leakValues(t)
	v := struct {
		PAN     card.PAN            `json:"pan"`
		Code    card.SecurityCode   `json:"code"`
		PANPtr  *card.PAN           `json:"pan_ptr"`
		ByPAN   map[card.PAN]int    `json:"by_pan"`
		Codes   []card.SecurityCode `json:"codes"`
		Untyped any                 `json:"untyped"`
	}{p, c, &p, map[card.PAN]int{p: 1}, []card.SecurityCode{c}, p}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	assertRedacted(t, "json.Marshal", string(b))
	want := `{"pan":"` + leakMasked + `","code":"***","pan_ptr":"` + leakMasked + `","by_pan":{"` + leakMasked +
		`":1},"codes":["***"],"untyped":"` + leakMasked + `"}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	for _, m := range []interface{ MarshalText() ([]byte, error) }{p, c} {
		b, _ := m.MarshalText()
		assertRedacted(t, "MarshalText", string(b))
	}
}

func TestRedactionErrors(t *testing.T) {
	p, c := leakValues(t)
	errs := []error{
		errors.New(fmt.Sprint(p)),
		errors.New(fmt.Sprint(c)),
		fmt.Errorf("charge %v with %v: %w", p, c, errors.New("declined")),
		fmt.Errorf("%+v", struct{ P card.PAN }{p}),
		errors.Join(fmt.Errorf("%s", p), fmt.Errorf("%q", c)),
	}
	for _, err := range errs {
		assertRedacted(t, "error", err.Error())
	}
	if got := p.String() + " " + p.GoString() + " " + c.String() + " " + c.GoString(); got != leakMasked+" "+leakMasked+" *** ***" {
		t.Errorf("String/GoString = %q", got)
	}
	if got := p.LogValue().String() + " " + c.LogValue().String(); got != leakMasked+" ***" {
		t.Errorf("LogValue = %q", got)
	}
}

func TestZeroValuesRedact(t *testing.T) {
	var p card.PAN
	var c card.SecurityCode
	b, err := json.Marshal(struct {
		P card.PAN
		C card.SecurityCode
	}{p, c})
	if err != nil || string(b) != `{"P":"","C":"***"}` {
		t.Errorf("json.Marshal of zero values = %s, %v", b, err)
	}
}
