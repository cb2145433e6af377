package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/vault"
)

// auditCmd reads the audit chain: verify checks every link, list prints
// entries as JSON lines.
func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "list") {
		return usageError("audit: want verify or list")
	}
	sub := args[0]
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", vault.DefaultTenant, "tenant whose chain to read")
	var storeArgs, ownArgs []string
	for _, a := range args[1:] {
		if strings.HasPrefix(strings.TrimLeft(a, "-"), "tenant") {
			ownArgs = append(ownArgs, a)
		} else {
			storeArgs = append(storeArgs, a)
		}
	}
	if err := fs.Parse(ownArgs); err != nil {
		return err
	}
	c, err := config.Load("audit", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	svc, store, err := openVault(ctx, c, newLogger(stderr, c.LogLevel), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	log := audit.New(svc.Store(), svc.MAC, nil)
	if sub == "verify" {
		n, err := log.Verify(ctx, *tenant)
		if err != nil {
			return fmt.Errorf("audit chain of tenant %q is broken after entry %d: %w", *tenant, n, err)
		}
		fmt.Fprintf(stdout, "audit chain of tenant %q: %d entries, every link verified\n", *tenant, n)
		return nil
	}
	enc := json.NewEncoder(stdout)
	return log.Each(ctx, *tenant, func(e audit.Entry) error { return enc.Encode(e) })
}
