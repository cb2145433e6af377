package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/vault"
)

// auditFlags are the audit command's own flags; the rest are the serve
// flags that say where the data is.
var auditFlags = map[string]bool{"tenant": true, "checkpoint": true}

// splitAuditArgs separates the audit command's own flags (with their
// values, given as --flag=V or --flag V) from the store's.
func splitAuditArgs(args []string) (own, store []string) {
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || !auditFlags[name] {
			store = append(store, args[i])
			continue
		}
		own = append(own, args[i])
		if !hasValue && i+1 < len(args) {
			i++
			own = append(own, args[i])
		}
	}
	return own, store
}

// auditCmd reads the audit log: verify checks every link of every chain
// (or of one tenant's, or against a checkpoint), list prints a chain as JSON
// lines, checkpoint prints a signed statement of every chain's head.
func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "list" && args[0] != "checkpoint") {
		return usageError("audit: want verify, list or checkpoint")
	}
	sub := args[0]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant whose chain to read (verify: default every tenant; list: default "+vault.DefaultTenant+")")
	cpFile := fs.String("checkpoint", "", "verify: a file written by `cardvault audit checkpoint` to verify against")
	own, storeArgs := splitAuditArgs(args[1:])
	if err := fs.Parse(own); err != nil {
		return err
	}
	svc, store, err := openCommandVault(ctx, "audit", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	log := commandAudit(svc)
	switch sub {
	case "checkpoint":
		cp, err := log.Checkpoint(ctx)
		if err != nil {
			return fmt.Errorf("no checkpoint made: %w", err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(cp)
	case "list":
		if *tenant == "" {
			*tenant = vault.DefaultTenant
		}
		enc := json.NewEncoder(stdout)
		return log.Each(ctx, *tenant, func(e audit.Entry) error { return enc.Encode(e) })
	}
	return verifyAudit(ctx, log, *tenant, *cpFile, stdout)
}

// verifyAudit verifies one tenant's chain, every registered chain, or every
// chain a checkpoint pins, with each tenant's pending events and cards
// (audit.Log.Verify), prints one line per tenant and fails if any chain is
// broken or holds pending events unlinked for longer than the stale bound.
func verifyAudit(ctx context.Context, log *audit.Log, tenant, cpFile string, stdout io.Writer) error {
	var results []audit.TenantResult
	var err error
	switch {
	case cpFile != "":
		raw, rerr := os.ReadFile(cpFile)
		if rerr != nil {
			return fmt.Errorf("read checkpoint: %w", rerr)
		}
		var cp audit.Checkpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			return fmt.Errorf("checkpoint %s is not a checkpoint: %w", cpFile, err)
		}
		if results, err = log.VerifyCheckpoint(ctx, cp); err != nil {
			return fmt.Errorf("checkpoint %s refused: %w", cpFile, err)
		}
		fmt.Fprintf(stdout, "checkpoint of %s: signature verified, %d chains pinned\n",
			cp.Statement.At.Format("2006-01-02T15:04:05Z07:00"), len(cp.Statement.Heads))
	case tenant != "":
		n, verr := log.Verify(ctx, tenant)
		results = []audit.TenantResult{{Tenant: tenant, Entries: n, Err: verr}}
	default:
		if results, err = log.VerifyAll(ctx, vault.DefaultTenant); err != nil {
			return err
		}
	}
	var broken []string
	for _, r := range results {
		if errors.Is(r.Err, audit.ErrUnlinked) {
			broken = append(broken, r.Tenant)
			fmt.Fprintf(stdout, "audit chain of tenant %q: %d entries verified, but: %v\n", r.Tenant, r.Entries, r.Err)
			continue
		}
		if r.Err != nil {
			broken = append(broken, r.Tenant)
			fmt.Fprintf(stdout, "audit chain of tenant %q is BROKEN after entry %d: %v\n", r.Tenant, r.Entries, r.Err)
			continue
		}
		fmt.Fprintf(stdout, "audit chain of tenant %q: %d entries, every link verified\n", r.Tenant, r.Entries)
	}
	if len(broken) > 0 {
		return errors.New("audit log tampered with, or events not linked in time: tenants " + strings.Join(broken, ", "))
	}
	return nil
}
