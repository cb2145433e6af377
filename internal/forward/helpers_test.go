package forward_test

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
)

// testCard builds a card from plain values; code "" means none held.
func testCard(tb testing.TB, pan, holder string, month, year int, code string) forward.Card {
	tb.Helper()
	p, err := card.ParsePAN(pan)
	if err != nil {
		tb.Fatalf("ParsePAN: %v", err)
	}
	c := forward.Card{PAN: p, Holder: holder}
	if month != 0 {
		c.Expiry, err = card.NewExpiry(month, year)
		if err != nil {
			tb.Fatalf("NewExpiry: %v", err)
		}
	}
	if code != "" {
		c.SecurityCode, err = card.ParseSecurityCode(code, card.Unknown)
		if err != nil {
			tb.Fatalf("ParseSecurityCode: %v", err)
		}
	}
	return c
}

func mustParse(tb testing.TB, src string) *forward.Template {
	tb.Helper()
	t, err := forward.Parse([]byte(src))
	if err != nil {
		tb.Fatalf("Parse(%q): %v", src, err)
	}
	return t
}

// visa and amex are the two cards most tests use.
func cards(tb testing.TB) []forward.Card {
	tb.Helper()
	return []forward.Card{
		testCard(tb, "4111111111111111", `O"Brien</x> & Co`, 7, 2031, "123"),
		testCard(tb, "378282246310005", "Ann Lee", 12, 2029, ""),
	}
}

// xmlElementsAndText decodes a well-formed XML document and returns the
// names of its elements joined by ",", and all its character data.
func xmlElementsAndText(tb testing.TB, doc string) (elems, text string) {
	tb.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	var names []string
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.Join(names, ","), b.String()
		}
		if err != nil {
			tb.Fatalf("ill-formed XML %q: %v", doc, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			names = append(names, tok.Name.Local)
		case xml.CharData:
			b.Write(tok)
		}
	}
}
