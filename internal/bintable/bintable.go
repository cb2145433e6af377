// Package bintable answers what a card number's leading digits say about
// the card (scheme, funding type, issuer, country) from a table of ranges
// that the operator can load as CSV.
//
// The CSV has ten columns: range start, range end, scheme, funding, issuer,
// country, segment, product code, product name, billing currency; rows of
// only the first six (the earlier format) are accepted too. Start and end are digit strings of equal length (1 to 19 digits):
// a card matches when its first that-many digits lie between them,
// inclusive. A header line whose first field is not digits is skipped, as
// are blank lines and lines starting with '#'. Funding, issuer and country
// may be empty. When several ranges match, the one with the most digits
// wins, and among those the narrowest.
package bintable

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a table.
const (
	// MaxRows bounds the ranges of one table.
	MaxRows = 2_000_000
	// MaxDigits is the longest range bound: a whole card number.
	MaxDigits = 19
	// MaxIssuerLen bounds an issuer name, in characters.
	MaxIssuerLen = 100
	// MaxSchemeLen bounds a scheme name, in characters.
	MaxSchemeLen = 40
	// MaxProductCodeLen bounds a product code, in characters.
	MaxProductCodeLen = 20
	// MaxProductNameLen bounds a product name, in characters.
	MaxProductNameLen = 100
)

// Segments a row may name (or leave empty), as Guardian's metadata has them.
var Segments = []string{"consumer", "commercial"}

// Fundings a row may name (or leave empty).
var Fundings = []string{"credit", "debit", "prepaid", "charge", "deferred", "other"}

//go:embed default.csv
var defaultCSV []byte

// Entry is what a range says about the cards in it.
type Entry struct {
	// Start and End are the range's bounds as written.
	Start, End string
	// Scheme is lower case, e.g. "visa", "american express".
	Scheme string
	// Funding is one of Fundings, or empty when unknown.
	Funding string
	// Issuer is the issuing bank's name, or empty.
	Issuer string
	// Country is the issuer's ISO 3166-1 alpha-2 code, or empty.
	Country string
	// Segment is one of Segments, or empty when unknown.
	Segment string
	// ProductCode is the scheme's product code (e.g. Visa's "A", Mastercard's
	// "MCC"), or empty.
	ProductCode string
	// ProductName is the product's name (e.g. "Visa Traditional"), or empty.
	ProductName string
	// Currency is the billing currency's ISO 4217 alphabetic code, or empty.
	Currency string
}

// Table is an immutable set of ranges. It is safe for concurrent use.
type Table struct {
	// byLen holds, per prefix length (index 1..MaxDigits), the ranges
	// sorted by start, with maxEnd[i] the largest end among the first i+1.
	byLen [MaxDigits + 1]ranges
	rows  int
}

// ranges are the rows of one prefix length.
type ranges struct {
	start, end, maxEnd []uint64
	entries            []Entry
}

// Default returns the built-in table: the schemes' published test ranges.
func Default() *Table {
	t, err := Parse(bytes.NewReader(defaultCSV))
	if err != nil {
		panic("bintable: built-in table: " + err.Error()) // a bug, caught by the tests
	}
	return t
}

// Load reads a table from a CSV file.
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bintable: %w", err)
	}
	defer f.Close()
	t, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("bintable: %s: %w", path, err)
	}
	return t, nil
}

// Parse reads a table from CSV (see the package comment). Its errors name
// the line and the problem.
func Parse(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	t := &Table{}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: malformed CSV: %v", pe.Line, pe.Err)
			}
			return nil, err
		}
		if first {
			first = false
			if len(rec) > 0 && !isDigits(strings.TrimSpace(rec[0])) {
				continue // header
			}
		}
		line, _ := cr.FieldPos(0)
		e, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if t.rows++; t.rows > MaxRows {
			return nil, fmt.Errorf("line %d: more than %d ranges", line, MaxRows)
		}
		n := len(e.Start)
		lo, _ := strconv.ParseUint(e.Start, 10, 64)
		hi, _ := strconv.ParseUint(e.End, 10, 64)
		rs := &t.byLen[n]
		rs.start, rs.end, rs.entries = append(rs.start, lo), append(rs.end, hi), append(rs.entries, e)
	}
	for n := range t.byLen {
		t.byLen[n].index()
	}
	return t, nil
}

// parseRow checks one row's fields.
func parseRow(rec []string) (Entry, error) {
	if len(rec) != 6 && len(rec) != 10 {
		return Entry{}, fmt.Errorf("want 10 fields (range start, range end, scheme, funding, issuer, country, segment, "+
			"product code, product name, billing currency) or the first 6, got %d", len(rec))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	e := Entry{Start: rec[0], End: rec[1], Scheme: strings.ToLower(rec[2]), Funding: strings.ToLower(rec[3]),
		Issuer: rec[4], Country: strings.ToUpper(rec[5])}
	if len(rec) == 10 {
		e.Segment, e.ProductCode, e.ProductName, e.Currency = strings.ToLower(rec[6]), rec[7], rec[8], strings.ToUpper(rec[9])
	}
	switch {
	case !isDigits(e.Start) || len(e.Start) > MaxDigits:
		return Entry{}, fmt.Errorf("range start must be 1 to %d digits", MaxDigits)
	case !isDigits(e.End) || len(e.End) != len(e.Start):
		return Entry{}, errors.New("range end must be digits, as many as the range start")
	case e.End < e.Start:
		return Entry{}, errors.New("range end is below range start")
	case e.Scheme == "" || utf8.RuneCountInString(e.Scheme) > MaxSchemeLen || !printable(e.Scheme):
		return Entry{}, fmt.Errorf("scheme must be 1 to %d printable characters", MaxSchemeLen)
	case e.Funding != "" && !slices.Contains(Fundings, e.Funding):
		return Entry{}, fmt.Errorf("funding must be empty or one of %s", strings.Join(Fundings, ", "))
	case utf8.RuneCountInString(e.Issuer) > MaxIssuerLen || !printable(e.Issuer):
		return Entry{}, fmt.Errorf("issuer must be at most %d printable characters", MaxIssuerLen)
	case e.Country != "" && !isCountry(e.Country):
		return Entry{}, errors.New("country must be empty or an ISO 3166-1 alpha-2 code such as US")
	case e.Segment != "" && !slices.Contains(Segments, e.Segment):
		return Entry{}, fmt.Errorf("segment must be empty or one of %s", strings.Join(Segments, ", "))
	case utf8.RuneCountInString(e.ProductCode) > MaxProductCodeLen || !printable(e.ProductCode):
		return Entry{}, fmt.Errorf("product code must be at most %d printable characters", MaxProductCodeLen)
	case utf8.RuneCountInString(e.ProductName) > MaxProductNameLen || !printable(e.ProductName):
		return Entry{}, fmt.Errorf("product name must be at most %d printable characters", MaxProductNameLen)
	case e.Currency != "" && !isCurrency(e.Currency):
		return Entry{}, errors.New("billing currency must be empty or an ISO 4217 alphabetic code such as USD")
	}
	return e, nil
}

// index sorts the ranges by start and fills maxEnd.
func (rs *ranges) index() {
	order := make([]int, len(rs.start))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if rs.start[a] != rs.start[b] {
			return cmp.Compare(rs.start[a], rs.start[b])
		}
		return cmp.Compare(rs.end[a], rs.end[b])
	})
	start, end, entries := make([]uint64, len(order)), make([]uint64, len(order)), make([]Entry, len(order))
	for i, j := range order {
		start[i], end[i], entries[i] = rs.start[j], rs.end[j], rs.entries[j]
	}
	rs.start, rs.end, rs.entries = start, end, entries
	rs.maxEnd = make([]uint64, len(end))
	for i, e := range end {
		rs.maxEnd[i] = e
		if i > 0 && rs.maxEnd[i-1] > e {
			rs.maxEnd[i] = rs.maxEnd[i-1]
		}
	}
}

// Len returns the number of ranges in the table.
func (t *Table) Len() int { return t.rows }

// Lookup returns the entry of the best range matching a card number's
// digits: the longest prefix, then the narrowest range.
func (t *Table) Lookup(digits string) (Entry, bool) {
	if t == nil || !isDigits(digits) {
		return Entry{}, false
	}
	for n := min(len(digits), MaxDigits); n >= 1; n-- {
		rs := &t.byLen[n]
		if len(rs.start) == 0 {
			continue
		}
		p, _ := strconv.ParseUint(digits[:n], 10, 64)
		// Ranges at i < k start at or before p; walk back while any of them
		// can still reach p.
		k, _ := slices.BinarySearchFunc(rs.start, p, func(s, target uint64) int {
			if s <= target {
				return -1
			}
			return 1
		})
		best := -1
		for i := k - 1; i >= 0 && rs.maxEnd[i] >= p; i-- {
			if rs.end[i] >= p && (best < 0 || rs.end[i]-rs.start[i] < rs.end[best]-rs.start[best]) {
				best = i
			}
		}
		if best >= 0 {
			return rs.entries[best], true
		}
	}
	return Entry{}, false
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCountry reports whether s looks like an ISO 3166-1 alpha-2 code.
func isCountry(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// isCurrency reports whether s looks like an ISO 4217 alphabetic code.
func isCurrency(s string) bool {
	return len(s) == 3 && isCountry(s[:2]) && 'A' <= s[2] && s[2] <= 'Z'
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
