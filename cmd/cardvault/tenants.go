package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
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
	storeArgs, ownArgs := splitArgs(fs, args[1:])
	if err := fs.Parse(ownArgs); err != nil {
		return err
	}
	c, err := config.Load("tenants "+sub, storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	svc, store, err := openVault(ctx, c, newLogger(stderr, c.LogLevel), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	log := audit.New(svc.Store(), svc.MAC, svc.Keyring(), nil)

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
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tDISABLED")
		after := ""
		for {
			page, err := svc.ListTenants(ctx, vault.Page{After: after, Limit: 100})
			if err != nil {
				return err
			}
			for _, t := range page {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, stamp(t.CreatedAt), stamp(t.DisabledAt))
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].ID
		}
		return tw.Flush()
	}
	return usageError(fmt.Sprintf("tenants: unknown subcommand %q (want create, list or disable)", sub))
}
