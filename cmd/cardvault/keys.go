package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/vault"
)

// keys manages API keys directly in the store: create, list, revoke.
func keys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("keys: want create, list or revoke")
	}
	sub, args := args[0], args[1:]
	if jwtKeyCommands[sub] {
		return jwtKeys(ctx, sub, args, getenv, stdout, stderr)
	}
	if sub == "create-master" {
		return createMaster(ctx, args, getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	scopes := fs.String("scopes", "", "comma-separated scopes: "+scopeList())
	name := fs.String("name", "", "a name to recognise the key by")
	tenant := fs.String("tenant", vault.DefaultTenant, "tenant the key belongs to")
	expiresIn := fs.Duration("expires-in", 0, "the key stops working after this long (0: never)")
	// The key commands take the serve flags too, to find the store.
	var storeArgs, ownArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		n := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if strings.HasPrefix(a, "-") && fs.Lookup(n) == nil {
			storeArgs = append(storeArgs, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				storeArgs = append(storeArgs, args[i])
			}
			continue
		}
		ownArgs = append(ownArgs, a)
	}
	if err := fs.Parse(ownArgs); err != nil {
		return err
	}
	c, err := config.Load("keys", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, c.LogLevel)
	svc, store, err := openVault(ctx, c, log, nil)
	if err != nil {
		return err
	}
	defer store.Close()

	switch sub {
	case "status":
		return keyStatus(ctx, svc, stdout)
	case "create":
		parsed, err := vault.ParseScopes(*scopes)
		if err != nil {
			return err
		}
		in := vault.NewAPIKey{Tenant: *tenant, Name: *name, Scopes: parsed}
		if *expiresIn > 0 {
			in.ExpiresAt = time.Now().Add(*expiresIn)
		}
		k, secret, err := svc.CreateAPIKey(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "id:      %s\ntenant:  %s\nscopes:  %s\nsecret:  %s\n", k.ID, k.Tenant, vault.JoinScopes(k.Scopes), secret)
		fmt.Fprintln(stderr, "The secret is shown only now; store it safely.")
		return nil
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tEXPIRES\tREVOKED")
		after := ""
		for {
			page, err := svc.ListAPIKeys(ctx, *tenant, vault.Page{After: after, Limit: 100})
			if err != nil {
				return err
			}
			for _, k := range page {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, vault.JoinScopes(k.Scopes),
					stamp(k.CreatedAt), stamp(k.ExpiresAt), stamp(k.RevokedAt))
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].ID
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return usageError("keys revoke: want exactly one key id")
		}
		if err := svc.RevokeAPIKey(ctx, *tenant, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "revoked", fs.Arg(0))
		return nil
	}
	return usageError(fmt.Sprintf("keys: unknown subcommand %q (want create, list or revoke)", sub))
}

// stamp renders a time for the key list, "-" when unset.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// scopeList names every scope for help texts.
func scopeList() string { return vault.JoinScopes(vault.AllScopes) }
