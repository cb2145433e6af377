package bintable_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/bintable"
)

func TestDefaultTableKnowsTheTestCards(t *testing.T) {
	tab := bintable.Default()
	for _, tc := range []struct {
		pan, scheme, funding, country string
	}{
		{"4111111111111111", "visa", "credit", "US"},
		{"4000056655665556", "visa", "debit", "US"},
		{"5555555555554444", "mastercard", "credit", "US"},
		{"5200828282828210", "mastercard", "debit", "US"},
		{"5105105105105100", "mastercard", "prepaid", "US"},
		{"2223003122003222", "mastercard", "credit", "US"},
		{"378282246310005", "american express", "credit", "US"},
		{"6011111111111117", "discover", "credit", "US"},
		{"6011000990139424", "discover", "debit", "US"},
		{"30569309025904", "diners club", "credit", "US"},
		{"3530111333300000", "jcb", "credit", "JP"},
		{"6200000000000005", "unionpay", "debit", "CN"},
	} {
		e, ok := tab.Lookup(tc.pan)
		if !ok || e.Scheme != tc.scheme || e.Funding != tc.funding || e.Country != tc.country || e.Issuer == "" {
			t.Errorf("%s: got %+v %v, want %s/%s/%s", tc.pan[:6], e, ok, tc.scheme, tc.funding, tc.country)
		}
	}
	// A card in a scheme's range but not a test range: scheme only.
	if e, ok := tab.Lookup("4917610000000000"); !ok || e.Scheme != "visa" || e.Funding != "" || e.Issuer != "" {
		t.Errorf("broad visa range: %+v %v", e, ok)
	}
	if _, ok := tab.Lookup("9999999999999995"); ok {
		t.Error("a number in no range matched")
	}
	if tab.Len() < 20 {
		t.Errorf("built-in table has %d rows", tab.Len())
	}
}

func TestLongestThenNarrowestRangeWins(t *testing.T) {
	tab, err := bintable.Parse(strings.NewReader(`
4,4,visa,,,
400000,499999,visa,credit,Broad,GB
410000,419999,visa,debit,Middle,FR
411000,411999,visa,prepaid,Narrow,DE
41111111,41111111,visa,charge,Eight,NL
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ pan, issuer string }{
		{"4111111111111111", "Eight"},
		{"4111121111111111", "Narrow"},
		{"4121111111111111", "Middle"},
		{"4211111111111111", "Broad"},
		{"4", ""},
	} {
		e, ok := tab.Lookup(tc.pan)
		if !ok || e.Issuer != tc.issuer {
			t.Errorf("%s: got %+v, want issuer %q", tc.pan, e, tc.issuer)
		}
	}
}

func TestOverlappingRangesOfOneLength(t *testing.T) {
	// A wide range that starts early must still be found behind narrower
	// ones that start later but end before the card.
	tab, err := bintable.Parse(strings.NewReader("100000,900000,a,,Wide,\n200000,200010,b,,X,\n300000,300010,c,,Y,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := tab.Lookup("5000001234567"); !ok || e.Issuer != "Wide" {
		t.Errorf("got %+v %v", e, ok)
	}
	if e, ok := tab.Lookup("3000051234567"); !ok || e.Issuer != "Y" {
		t.Errorf("got %+v %v", e, ok)
	}
}

func TestParseRejectsBadRows(t *testing.T) {
	for name, tc := range map[string]struct{ csv, want string }{
		"fields":        {"411111,411111,visa,credit,X\n", "line 1: want 10 fields"},
		"seven fields":  {"411111,411111,visa,credit,X,US,consumer\n", "got 7"},
		"segment":       {"411111,411111,visa,,,,retail,,,\n", "segment"},
		"product code":  {"411111,411111,visa,,,,," + strings.Repeat("A", 21) + ",,\n", "product code"},
		"product name":  {"411111,411111,visa,,,,,,Bad\x01Name,\n", "product name"},
		"currency":      {"411111,411111,visa,,,,,,,US\n", "billing currency"},
		"start":         {"411111,411111,visa,,,\n41a111,411111,visa,,,\n", "line 2: range start"},
		"too long":      {"41111111111111111111,41111111111111111111,visa,,,\n", "range start"},
		"end length":    {"411111,4111119,visa,,,\n", "range end must be digits"},
		"reversed":      {"411119,411111,visa,,,\n", "below range start"},
		"no scheme":     {"411111,411111,,,,\n", "scheme"},
		"funding":       {"411111,411111,visa,gold,,\n", "funding"},
		"country":       {"411111,411111,visa,,,USA\n", "country"},
		"control":       {"411111,411111,visa,,Bad\x01Bank,\n", "issuer"},
		"quote":         {"411111,411111,visa,,\"open,\n", "malformed CSV"},
		"second header": {"range_start,range_end,scheme,funding,issuer,country\nstart,end,visa,,,\n", "line 2"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := bintable.Parse(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bins.csv")
	if err := os.WriteFile(path, []byte("range_start,range_end,scheme,funding,issuer,country\n# comment\n\n411111,411111, Visa , Credit ,Bank of Tests,us\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tab, err := bintable.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := tab.Lookup("4111111111111111")
	if !ok || e.Scheme != "visa" || e.Funding != "credit" || e.Issuer != "Bank of Tests" || e.Country != "US" {
		t.Fatalf("got %+v %v", e, ok)
	}
	if _, err := bintable.Load(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

func TestLookupRejectsNonDigits(t *testing.T) {
	tab := bintable.Default()
	for _, s := range []string{"", "4111 1111", "abc"} {
		if _, ok := tab.Lookup(s); ok {
			t.Errorf("%q matched", s)
		}
	}
	var none *bintable.Table
	if _, ok := none.Lookup("4111111111111111"); ok {
		t.Error("a nil table matched")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("411111,411111,visa,credit,Bank,US\n")
	f.Add("range_start,range_end,scheme,funding,issuer,country\n4,4,visa,,,\n")
	f.Add("\"4\",\"5\",\"a b\",\"debit\",\"x,y\",\"gb\"\n")
	f.Add("1234567890123456789,1234567890123456789,x,,,\n")
	f.Add("#c\n\n1,9,s,,,\n")
	f.Add("411111,411111,visa,credit,Bank,GB,commercial,S,Visa Business,GBP\n4,4,visa,,,,,,,\n")
	f.Fuzz(func(t *testing.T, src string) {
		tab, err := bintable.Parse(strings.NewReader(src))
		if err != nil {
			return
		}
		// Whatever parsed must answer lookups without panicking, and every
		// answer must contain the card.
		for _, pan := range []string{"4111111111111111", "1", "9999999999999999999", "0000000000000"} {
			e, ok := tab.Lookup(pan)
			if !ok {
				continue
			}
			p := pan[:len(e.Start)]
			if p < e.Start || p > e.End {
				t.Fatalf("%s matched range %s..%s", pan, e.Start, e.End)
			}
		}
	})
}

// TestProductColumns: the ten-column format carries segment, product code
// and name and billing currency; six-column rows still load, without them.
func TestProductColumns(t *testing.T) {
	tab, err := bintable.Parse(strings.NewReader("range_start,range_end,scheme,funding,issuer,country,segment,product_code,product_name,billing_currency\n" +
		"411111,411111,visa,credit,Bank,GB, Commercial ,S,Visa Business,gbp\n400000,499999,visa,,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := tab.Lookup("4111111111111111")
	if !ok || e.Segment != "commercial" || e.ProductCode != "S" || e.ProductName != "Visa Business" || e.Currency != "GBP" {
		t.Fatalf("got %+v %v", e, ok)
	}
	if e, ok := tab.Lookup("4000000000000002"); !ok || e.Segment != "" || e.ProductCode != "" || e.Currency != "" {
		t.Fatalf("six-column row: %+v %v", e, ok)
	}
	if e, ok := bintable.Default().Lookup("4111111111111111"); !ok || e.Segment != "consumer" || e.ProductCode == "" || e.Currency != "USD" {
		t.Fatalf("built-in table: %+v %v", e, ok)
	}
}
