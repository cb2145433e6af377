package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/vault"
)

// tenantsCmd manages tenants directly in the store: create, list, disable.
func tenantsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("tenants: want create, list or disable")
	}
	sub := args[0]
	fs := flag.NewFlagSet("tenants "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "display name of a new tenant (default: its id)")
	storeArgs, err := parseOwnFlags(fs, args[1:])
	if err != nil {
		return err
	}
	svc, store, err := openCommandVault(ctx, "tenants "+sub, storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	log := commandAudit(svc)

	switch sub {
	case "create", "disable":
		if fs.NArg() != 1 {
			return usageError(fmt.Sprintf("tenants %s: want exactly one tenant id", sub))
		}
		id := fs.Arg(0)
		if sub == "create" {
			display := *name
			if display == "" {
				display = id
			}
			if _, err := svc.CreateTenant(ctx, id, display); err != nil {
				return err
			}
		} else if err := svc.DisableTenant(ctx, id); err != nil {
			return err
		}
		if err := log.Record(ctx, audit.Event{Tenant: id, Actor: "cli", Action: "tenant." + sub, Targets: []string{id}}); err != nil {
			return fmt.Errorf("tenant %s but not audited: %w", map[string]string{"create": "created", "disable": "disabled"}[sub], err)
		}
		fmt.Fprintf(stdout, "%sd tenant %s\n", strings.TrimSuffix(sub, "e"), id)
		return nil
	case "list":
		return printPages(stdout, "ID\tNAME\tCREATED\tDISABLED",
			func(p vault.Page) ([]vault.Tenant, error) { return svc.ListTenants(ctx, p) },
			func(t vault.Tenant) string { return t.ID },
			func(t vault.Tenant) string {
				return t.ID + "\t" + t.Name + "\t" + stamp(t.CreatedAt) + "\t" + stamp(t.DisabledAt)
			})
	}
	return usageError(fmt.Sprintf("tenants: unknown subcommand %q (want create, list or disable)", sub))
}
