package transfer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"
)

// The fields a CSV column can be mapped to (--map FIELD=COLUMN). A column
// can also be mapped to "metadata.NAME", which becomes metadata key NAME.
const (
	FieldID        = "id"
	FieldNumber    = "number"
	FieldExpiry    = "expiry"
	FieldExpMonth  = "exp_month"
	FieldExpYear   = "exp_year"
	FieldHolder    = "holder"
	FieldReference = "reference"
	FieldCreatedAt = "created_at"
	FieldCustomer  = "customer_id"
	FieldUser      = "user"
	metadataPrefix = "metadata."
)

// csvFields lists the mappable fields, for messages and defaults.
var csvFields = []string{FieldID, FieldNumber, FieldExpiry, FieldExpMonth, FieldExpYear, FieldHolder, FieldReference, FieldCreatedAt,
	FieldCustomer, FieldUser}

// Dialect names the vault a CSV comes from, which says what its id column
// is. In cardvault, guardian and gr4vy the id becomes the card's id, which
// is how those dialects serve the card: cardvault's card id, a Guardian PCI
// token id, a Gr4vy payment-method id, all UUIDs. In hyperswitch the id is
// a payment method id (pm_…, or any 1-64 letters, digits, '_' or '-') of
// the customer in the customer_id column, in CSVOptions.Profile. In
// pcivault the id is a PCI Vault token (64 hexadecimal digits) that, with
// the reference column, names an entry of the user key in the user column.
type Dialect string

// The dialects ImportCSV knows.
const (
	DialectCardvault   Dialect = "cardvault"
	DialectGuardian    Dialect = "guardian"
	DialectGr4vy       Dialect = "gr4vy"
	DialectHyperswitch Dialect = "hyperswitch"
	DialectPCIVault    Dialect = "pcivault"
)

// Dialects lists the dialects ImportCSV knows, for help texts.
func Dialects() []Dialect {
	return []Dialect{DialectCardvault, DialectGuardian, DialectGr4vy, DialectHyperswitch, DialectPCIVault}
}

// pciToken is what a PCI Vault token is (a Hyperswitch customer or
// payment-method id, or a PCI Vault user, is an objectid).
var pciToken = regexp.MustCompile(`^[0-9a-f]{64}$`)

// idRule returns what an id of the dialect must look like.
func (d Dialect) idRule() (func(string) bool, string, error) {
	switch d {
	case DialectCardvault, DialectGuardian, DialectGr4vy:
		return func(s string) bool { _, err := uuid.Parse(s); return err == nil && len(s) == 36 },
			"id is not a UUID (" + string(d) + " ids are UUIDs like 0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70)", nil
	case DialectHyperswitch:
		return func(s string) bool { return objectid.Valid(s) && !card.ContainsPAN(s) },
			"id is not a payment method id (" + objectid.Rule + ")", nil
	case DialectPCIVault:
		return func(s string) bool { return pciToken.MatchString(strings.ToLower(s)) },
			"id is not a PCI Vault token (64 hexadecimal digits)", nil
	}
	return nil, "", fmt.Errorf("unknown dialect %q (want one of %v)", d, Dialects())
}

// ParseMap reads a column mapping, "FIELD=COLUMN,FIELD=COLUMN" (a column
// name may not contain ',' or '='; whitespace around names is dropped).
func ParseMap(spec string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(spec) == "" {
		return m, nil
	}
	for _, pair := range strings.Split(spec, ",") {
		field, column, ok := strings.Cut(pair, "=")
		field, column = strings.TrimSpace(field), strings.TrimSpace(column)
		switch {
		case !ok || field == "" || column == "":
			return nil, fmt.Errorf("--map: %q is not FIELD=COLUMN", pair)
		case !slices.Contains(csvFields, field) && !(strings.HasPrefix(field, metadataPrefix) && len(field) > len(metadataPrefix)):
			return nil, fmt.Errorf("--map: unknown field %q (want one of %s, or metadata.NAME)", field, strings.Join(csvFields, ", "))
		case m[field] != "":
			return nil, fmt.Errorf("--map: field %q mapped twice", field)
		}
		m[field] = column
	}
	return m, nil
}

// layout says which column index holds each field of a CSV.
type layout struct {
	dialect Dialect
	validID func(string) bool
	idWhy   string
	cols    map[string]int
	width   int
}

// newLayout matches a header row against a mapping: a mapped field takes
// its named column; an unmapped field takes a column named like it. The
// id and number columns are required, and expiry comes either as one
// column or as month and year.
func newLayout(header []string, mapping map[string]string, d Dialect) (layout, error) {
	validID, why, err := d.idRule()
	if err != nil {
		return layout{}, err
	}
	l := layout{dialect: d, validID: validID, idWhy: why, cols: map[string]int{}, width: len(header)}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := index[h]; dup {
			return layout{}, fmt.Errorf("header names column %q twice", h)
		}
		index[h] = i
	}
	for field, column := range mapping {
		i, ok := index[column]
		if !ok {
			return layout{}, fmt.Errorf("--map %s=%s: the header has no column %q", field, column, column)
		}
		l.cols[field] = i
	}
	for _, field := range csvFields {
		if _, mapped := mapping[field]; !mapped {
			if i, ok := index[field]; ok {
				l.cols[field] = i
			}
		}
	}
	_, month := l.cols[FieldExpMonth]
	_, year := l.cols[FieldExpYear]
	_, expiry := l.cols[FieldExpiry]
	switch {
	case !l.has(FieldID):
		return layout{}, errors.New("no id column: map one with --map id=COLUMN (ids are kept, so tokens keep working)")
	case !l.has(FieldNumber):
		return layout{}, errors.New("no card number column: map one with --map number=COLUMN")
	case d == DialectHyperswitch && !l.has(FieldCustomer):
		return layout{}, errors.New("no customer_id column: a Hyperswitch payment method belongs to a customer (--map customer_id=COLUMN)")
	case d == DialectPCIVault && !l.has(FieldUser):
		return layout{}, errors.New("no user column: a PCI Vault entry belongs to a user key (--map user=COLUMN)")
	case month != year:
		return layout{}, errors.New("exp_month and exp_year go together")
	case expiry && month:
		return layout{}, errors.New("map either expiry or exp_month and exp_year, not both")
	}
	return l, nil
}

// owner returns the row's customer (hyperswitch) or user (pcivault).
func (l layout) owner(rec []string) string {
	switch l.dialect {
	case DialectHyperswitch:
		return l.get(rec, FieldCustomer)
	case DialectPCIVault:
		return l.get(rec, FieldUser)
	}
	return ""
}

func (l layout) has(field string) bool { _, ok := l.cols[field]; return ok }

func (l layout) get(rec []string, field string) string {
	if i, ok := l.cols[field]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// parse validates one data row. Its errors never contain the card number,
// and the id it returns is empty unless it has the dialect's format (so a
// column mapped wrongly cannot copy a number into the rejects file).
func (l layout) parse(rec []string) (CardRow, vault.CardInput, error) {
	var r CardRow
	if len(rec) != l.width {
		return r, vault.CardInput{}, errReason(fmt.Sprintf("has %d fields, the header %d", len(rec), l.width))
	}
	if id := l.get(rec, FieldID); !l.validID(id) {
		return r, vault.CardInput{}, errReason(l.idWhy)
	} else if l.dialect == DialectHyperswitch {
		r.ID = id
	} else { // UUIDs and PCI Vault tokens in lower case
		r.ID = strings.ToLower(id)
	}
	if l.dialect == DialectHyperswitch {
		if c := l.get(rec, FieldCustomer); !objectid.Valid(c) || card.ContainsPAN(c) {
			return r, vault.CardInput{}, errReason("customer_id is not a customer id (" + objectid.Rule + ")")
		}
	}
	if l.dialect == DialectPCIVault {
		if u := l.get(rec, FieldUser); !objectid.Valid(u) || card.ContainsPAN(u) {
			return r, vault.CardInput{}, errReason("user is not a PCI Vault user (" + objectid.Rule + ")")
		}
	}
	pan, err := card.ParsePAN(l.get(rec, FieldNumber))
	if err != nil {
		return r, vault.CardInput{}, errReason("card number is not valid (length, digits or check digit)")
	}
	in := vault.CardInput{PAN: pan, Holder: l.get(rec, FieldHolder), Reference: l.get(rec, FieldReference)}
	if card.ContainsPAN(in.Holder) || card.ContainsPAN(in.Reference) {
		return r, vault.CardInput{}, errReason("holder or reference looks like a card number")
	}
	switch {
	case l.get(rec, FieldExpiry) != "":
		if in.Expiry, err = card.ParseExpiry(l.get(rec, FieldExpiry)); err != nil {
			return r, vault.CardInput{}, errReason("expiry is not a valid month and year (MM/YY, MM/YYYY or YYYY-MM)")
		}
	case l.get(rec, FieldExpMonth) != "" || l.get(rec, FieldExpYear) != "":
		m, merr := strconv.Atoi(l.get(rec, FieldExpMonth))
		y, yerr := strconv.Atoi(l.get(rec, FieldExpYear))
		if merr != nil || yerr != nil {
			return r, vault.CardInput{}, errReason("exp_month and exp_year must be numbers")
		}
		if in.Expiry, err = card.NewExpiry(m, y); err != nil {
			return r, vault.CardInput{}, errReason("expiry is not a valid month and year")
		}
	}
	if s := l.get(rec, FieldCreatedAt); s != "" {
		if r.CreatedAt, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return r, vault.CardInput{}, errReason("created_at is not an RFC 3339 time")
		}
	}
	for field, i := range l.cols {
		if name, ok := strings.CutPrefix(field, metadataPrefix); ok && i < len(rec) && rec[i] != "" {
			if card.ContainsPAN(rec[i]) {
				return r, vault.CardInput{}, errReason("metadata " + name + " looks like a card number")
			}
			if in.Metadata == nil {
				in.Metadata = map[string]string{}
			}
			in.Metadata[name] = rec[i]
		}
	}
	r.Type, r.Number = "card", "" // the number lives in in.PAN only
	return r, in, nil
}

// PaymentMethodSink stores a card as a customer's payment method under a
// given id (the Hyperswitch dialect), making the customer under its id if
// it does not exist; customers.Service is one.
type PaymentMethodSink interface {
	ImportCardPaymentMethod(ctx context.Context, tenant, profile, customerID, id string, in vault.CardInput, createdAt time.Time) (vault.ImportOutcome, error)
}

// EntrySink stores a card as a PCI Vault entry of a user key under a given
// token and reference (the pcivault dialect); pcivault.Service is one.
type EntrySink interface {
	ImportCardEntry(ctx context.Context, tenant, user, token, reference string, in vault.CardInput) (vault.ImportOutcome, error)
}

// CSVOptions says how to read another vault's CSV dump.
type CSVOptions struct {
	Dialect Dialect
	// Entries is where the pcivault dialect's rows go.
	Entries EntrySink
	// PaymentMethods and Profile are where the hyperswitch dialect's rows
	// go: payment methods of that profile.
	PaymentMethods PaymentMethodSink
	Profile        string
	// Map assigns columns to fields (ParseMap); unmapped fields take a
	// column of their own name.
	Map map[string]string
	// Comma is the field separator; default ','.
	Comma rune
}

// ImportCSV reads a CSV dump (a header row, then one card per row) and
// stores its cards in tenant under the ids the file gives, under the same
// rules as Import: each row validated (id format of the dialect, Luhn,
// expiry), a bad row rejected with its line number and a reason (never
// the number) and nothing written for it, a row whose id already holds the
// same card counted as a duplicate, so re-running the file is a no-op.
// A header that does not fit the mapping stops the import before any row.
func ImportCSV(ctx context.Context, r io.Reader, opts CSVOptions, tenant string, dst CardSink, rejects io.Writer, progress func(Summary)) (Summary, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per row, so a short row is a reject, not the end
	cr.ReuseRecord = true
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	header, err := cr.Read()
	if err != nil {
		return Summary{}, fmt.Errorf("import: cannot read the CSV header: %w", err)
	}
	l, err := newLayout(slices.Clone(header), opts.Map, opts.Dialect)
	if err != nil {
		return Summary{}, fmt.Errorf("import: %w", err)
	}
	store, n := cardsInto(dst), workers
	if opts.Dialect == DialectHyperswitch {
		n = 1 // in file order: the first row saving a card for a customer wins
		if opts.PaymentMethods == nil || opts.Profile == "" {
			return Summary{}, errors.New("import: the hyperswitch dialect needs a profile (--profile) for its payment methods")
		}
		store = func(ctx context.Context, tenant string, j job) (vault.ImportOutcome, error) {
			return opts.PaymentMethods.ImportCardPaymentMethod(ctx, tenant, opts.Profile, j.owner, j.row.ID, j.in, j.row.CreatedAt)
		}
	}
	if opts.Dialect == DialectPCIVault {
		if opts.Entries == nil {
			return Summary{}, errors.New("import: the pcivault dialect needs the PCI Vault service")
		}
		n = 1 // in file order, like the hyperswitch dialect
		store = func(ctx context.Context, tenant string, j job) (vault.ImportOutcome, error) {
			return opts.Entries.ImportCardEntry(ctx, tenant, j.owner, j.row.ID, j.in.Reference, j.in)
		}
	}
	return importRows(ctx, tenant, store, n, rejects, progress, func(ctx context.Context, rs *rows) error {
		for ctx.Err() == nil {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rs.reject(pe.StartLine, "", "not valid CSV: "+pe.Err.Error())
				continue
			}
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			line, _ := cr.FieldPos(0)
			row, in, err := l.parse(rec)
			if err != nil {
				rs.reject(line, row.ID, err.Error())
				continue
			}
			rs.card(job{line: line, row: row, in: in, owner: l.owner(rec)})
		}
		return nil
	})
}
