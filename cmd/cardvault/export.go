package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// exportCmd writes a tenant's cards, customers and payment methods to an
// age-encrypted file
// (docs/export-format.md).
func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant whose cards to export (required)")
	recipient := fs.String("recipient", "", "age public key (age1…) the file is encrypted to (required)")
	out := fs.String("out", "", "file to write (required; written whole or not at all)")
	storeArgs, err := parseOwnFlags(fs, args)
	if err != nil {
		return err
	}
	if *tenant == "" || *recipient == "" || *out == "" || fs.NArg() > 0 {
		return usageError("export: want --tenant NAME --recipient AGE_PUBLIC_KEY --out FILE")
	}
	rcpt, err := age.ParseX25519Recipient(strings.TrimSpace(*recipient))
	if err != nil {
		return usageError("export: --recipient is not an age public key (age1…)")
	}
	svc, store, err := openCommandVault(ctx, "export", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := svc.Store().GetTenant(ctx, *tenant); err != nil {
		return fmt.Errorf("export: tenant %q: %w", *tenant, vault.AsError(err))
	}
	tmp, err := os.CreateTemp(dirOf(*out), ".cardvault-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	bar := newProgress(stderr, "export: rows")
	n, err := transfer.Export(ctx, tmp, rcpt, *tenant, svc, time.Now(), func(n int) { bar.update(n, -1) }, objectSources(svc)...)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	fmt.Fprintln(stderr)
	log := commandAudit(svc)
	detail := map[string]string{"cards": strconv.Itoa(n.Cards), "objects": strconv.Itoa(n.Objects), "recipient": *recipient}
	if err != nil {
		detail["outcome"] = "failed"
	}
	if aerr := log.Record(context.WithoutCancel(ctx), audit.Event{Tenant: *tenant, Actor: "cli", Action: "cards.export", Detail: detail}); aerr != nil && err == nil {
		os.Remove(*out)
		return fmt.Errorf("export: not audited, so not kept: %w", aerr)
	}
	if err != nil {
		return fmt.Errorf("export: %w (nothing written to %s)", err, *out)
	}
	fmt.Fprintf(stdout, "exported %d cards and %d other objects (customers, payment methods, buyers, PCI Vault keys and entries, …) of tenant %s to %s\n",
		n.Cards, n.Objects, *tenant, *out)
	return nil
}

// importCmd reads a cardvault export, or another vault's CSV dump
// (--format csv), into a tenant, keeping ids.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant to import into (required; created beforehand)")
	identity := fs.String("identity", "", "age identity file (AGE-SECRET-KEY-1…) the export was encrypted to (required for cardvault exports)")
	rejectsPath := fs.String("rejects", "", "where rejected rows go, as JSON lines of line, id and reason (default FILE.rejects.jsonl)")
	format := fs.String("format", "cardvault", "input format: cardvault (an age-encrypted export) or csv (another vault's dump)")
	dialect := fs.String("dialect", string(transfer.DialectCardvault), fmt.Sprintf("csv: the vault the ids come from, %v", transfer.Dialects()))
	mapping := fs.String("map", "", "csv: FIELD=COLUMN,… assigning columns to id, number, expiry (or exp_month and exp_year), holder, "+
		"reference, created_at, metadata.NAME; unmapped fields take a column of their own name")
	profile := fs.String("profile", "pro_default", "csv, hyperswitch dialect: the profile the payment methods and their customers go to")
	comma := fs.String("comma", ",", "csv: the field separator (one character; \\t for a tab)")
	storeArgs, err := parseOwnFlags(fs, args)
	if err != nil {
		return err
	}
	if *tenant == "" || fs.NArg() != 1 {
		return usageError("import: want --tenant NAME --identity AGE_IDENTITY_FILE FILE, or --tenant NAME --format csv [--dialect D] [--map F=COL,…] FILE")
	}
	in := fs.Arg(0)
	var read func(src io.Reader, rejects io.Writer, svc *vault.Service, progress func(transfer.Summary)) (transfer.Summary, error)
	switch *format {
	case "cardvault":
		if *identity == "" {
			return usageError("import: --identity AGE_IDENTITY_FILE is required for a cardvault export")
		}
		ids, err := readIdentity(*identity)
		if err != nil {
			return err
		}
		read = func(src io.Reader, rejects io.Writer, svc *vault.Service, progress func(transfer.Summary)) (transfer.Summary, error) {
			return transfer.Import(ctx, src, ids, *tenant, svc, rejects, progress, objectSinks(svc)...)
		}
	case "csv":
		opts, err := csvOptions(*dialect, *mapping, *comma)
		if err != nil {
			return err
		}
		opts.Profile = *profile
		read = func(src io.Reader, rejects io.Writer, svc *vault.Service, progress func(transfer.Summary)) (transfer.Summary, error) {
			opts.PaymentMethods, opts.Entries = customers.New(svc), pcivault.New(svc, pcivault.Options{})
			return transfer.ImportCSV(ctx, src, opts, *tenant, svc, rejects, progress)
		}
	default:
		return usageError("import: --format must be cardvault or csv")
	}
	svc, store, err := openCommandVault(ctx, "import", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	// Each imported card's event is a pending event, linked when the vault
	// next starts; the marker of when pending events began comes first.
	if err := audit.New(svc.Store(), svc.MAC, svc.Keyring(), nil).MarkPending(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	svc.EnablePendingAudit(nil)
	if _, err := svc.Store().GetTenant(ctx, *tenant); err != nil {
		return fmt.Errorf("import: tenant %q (create it with cardvault tenants create): %w", *tenant, vault.AsError(err))
	}
	src, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer src.Close()
	if *rejectsPath == "" {
		*rejectsPath = in + ".rejects.jsonl"
	}
	rejects, err := os.OpenFile(*rejectsPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	bar := newProgress(stderr, "import: rows")
	sum, err := read(src, rejects, svc, func(s transfer.Summary) { bar.update(s.Imported+s.Duplicates+s.Rejected, -1) })
	fmt.Fprintln(stderr)
	err = errors.Join(err, rejects.Close())
	log := commandAudit(svc)
	detail := map[string]string{"format": *format, "imported": strconv.Itoa(sum.Imported), "duplicates": strconv.Itoa(sum.Duplicates),
		"rejected": strconv.Itoa(sum.Rejected)}
	if *format == "csv" {
		detail["dialect"] = *dialect
	}
	if err != nil {
		detail["outcome"] = "stopped"
	}
	if aerr := log.Record(context.WithoutCancel(ctx), audit.Event{Tenant: *tenant, Actor: "cli", Action: "cards.import", Detail: detail}); aerr != nil && err == nil {
		err = fmt.Errorf("imported but not audited: %w", aerr)
	}
	fmt.Fprintf(stdout, "imported %d, duplicates %d, rejected %d", sum.Imported, sum.Duplicates, sum.Rejected)
	if sum.Rejected > 0 {
		fmt.Fprintf(stdout, " (see %s)", *rejectsPath)
	}
	fmt.Fprintln(stdout)
	if err != nil {
		return fmt.Errorf("import: %w (rows before the failure are stored whole; re-run the complete file: imported rows count as duplicates)", err)
	}
	return nil
}

// readIdentity reads the first age identity of a file.
func readIdentity(path string) (age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil || len(ids) == 0 {
		return nil, usageError("import: --identity is not an age identity file")
	}
	return ids[0], nil
}

// csvOptions checks the CSV flags of import.
func csvOptions(dialect, mapping, comma string) (transfer.CSVOptions, error) {
	m, err := transfer.ParseMap(mapping)
	if err != nil {
		return transfer.CSVOptions{}, usageError("import: " + err.Error())
	}
	if !slices.Contains(transfer.Dialects(), transfer.Dialect(dialect)) {
		return transfer.CSVOptions{}, usageError(fmt.Sprintf("import: --dialect must be one of %v", transfer.Dialects()))
	}
	if comma == `\t` {
		comma = "\t"
	}
	r := []rune(comma)
	if len(r) != 1 || r[0] == '"' || r[0] == '\r' || r[0] == '\n' {
		return transfer.CSVOptions{}, usageError("import: --comma must be one character other than a quote or a line break")
	}
	return transfer.CSVOptions{Dialect: transfer.Dialect(dialect), Map: m, Comma: r[0]}, nil
}

// transferDomains are the domains whose objects travel with a tenant's
// cards in an export, in the order they are written and read back.
type transferDomain interface {
	transfer.ObjectSource
	transfer.ObjectSink
}

func transferDomains(svc *vault.Service) []transferDomain {
	return []transferDomain{customers.New(svc), buyers.New(svc), cardtokens.New(svc), pcivault.New(svc, pcivault.Options{})}
}

func objectSources(svc *vault.Service) []transfer.ObjectSource {
	var out []transfer.ObjectSource
	for _, d := range transferDomains(svc) {
		out = append(out, d)
	}
	return out
}

func objectSinks(svc *vault.Service) []transfer.ObjectSink {
	var out []transfer.ObjectSink
	for _, d := range transferDomains(svc) {
		out = append(out, d)
	}
	return out
}

// dirOf returns the directory of path, "." for a bare name.
func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}
