package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
)

// exportCmd writes a tenant's cards to an age-encrypted file
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
	bar := newProgress(stderr, "export: cards")
	n, err := transfer.Export(ctx, tmp, rcpt, *tenant, svc, time.Now(), func(n int) { bar.update(n, -1) })
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
	detail := map[string]string{"cards": strconv.Itoa(n), "recipient": *recipient}
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
	fmt.Fprintf(stdout, "exported %d cards of tenant %s to %s\n", n, *tenant, *out)
	return nil
}

// importCmd reads a cardvault export into a tenant, keeping ids.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant to import into (required; created beforehand)")
	identity := fs.String("identity", "", "age identity file (AGE-SECRET-KEY-1…) the export was encrypted to (required)")
	rejectsPath := fs.String("rejects", "", "where rejected rows go, as JSON lines of line, id and reason (default FILE.rejects.jsonl)")
	format := fs.String("format", "cardvault", "input format; only cardvault exports are supported yet")
	storeArgs, err := parseOwnFlags(fs, args)
	if err != nil {
		return err
	}
	if *format != "cardvault" {
		return usageError("import: --format " + *format + " is not supported yet (only cardvault exports)")
	}
	if *tenant == "" || *identity == "" || fs.NArg() != 1 {
		return usageError("import: want --tenant NAME --identity AGE_IDENTITY_FILE FILE")
	}
	in := fs.Arg(0)
	idFile, err := os.Open(*identity)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	ids, err := age.ParseIdentities(idFile)
	idFile.Close()
	if err != nil || len(ids) == 0 {
		return usageError("import: --identity is not an age identity file")
	}
	svc, store, err := openCommandVault(ctx, "import", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
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
	sum, err := transfer.Import(ctx, src, ids[0], *tenant, svc, rejects, func(s transfer.Summary) {
		bar.update(s.Imported+s.Duplicates+s.Rejected, -1)
	})
	fmt.Fprintln(stderr)
	err = errors.Join(err, rejects.Close())
	log := commandAudit(svc)
	detail := map[string]string{"imported": strconv.Itoa(sum.Imported), "duplicates": strconv.Itoa(sum.Duplicates), "rejected": strconv.Itoa(sum.Rejected)}
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

// dirOf returns the directory of path, "." for a bare name.
func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}
