package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/vault"
)

// parseOwnFlags parses a subcommand's own flags (those fs defines, and
// positional arguments) from args and returns the rest: the serve flags
// that say where the store is.
func parseOwnFlags(fs *flag.FlagSet, args []string) (storeArgs []string, err error) {
	storeArgs, ownArgs := splitArgs(fs, args)
	if err := fs.Parse(ownArgs); err != nil {
		return nil, err
	}
	return storeArgs, nil
}

// openCommandVault loads the configuration of the command name from
// storeArgs and the environment and opens the vault on it, logging to
// stderr; the caller closes the store.
func openCommandVault(ctx context.Context, name string, storeArgs []string, getenv func(string) string, stderr io.Writer) (*vault.Service, storeCloser, error) {
	c, err := config.Load(name, storeArgs, getenv, stderr)
	if err != nil {
		return nil, nil, err
	}
	return openConfiguredVault(ctx, c, stderr)
}

// openConfiguredVault opens the vault for a command on a loaded
// configuration, logging to stderr; the caller closes the store.
func openConfiguredVault(ctx context.Context, c config.Config, stderr io.Writer) (*vault.Service, storeCloser, error) {
	return openVault(ctx, c, newLogger(stderr, c.LogLevel), nil)
}

// commandAudit is the audit log a command records its actions in, and
// verifies with the pending audit events the core writes with cards.
func commandAudit(svc *vault.Service) *audit.Log {
	return audit.New(svc.Store(), svc.MAC, svc.Keyring(), nil).WithPending(svc, 0, nil)
}

// listPageSize is how many rows a command's listing reads per page.
const listPageSize = 100

// printPages prints every page of a listing as a table under header (tab
// separated columns); list reads one page, id is a row's paging key and row
// renders it as tab-separated columns.
func printPages[T any](w io.Writer, header string, list func(vault.Page) ([]T, error), id func(T) string, row func(T) string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	after := ""
	for {
		page, err := list(vault.Page{After: after, Limit: listPageSize})
		if err != nil {
			return err
		}
		for _, t := range page {
			fmt.Fprintln(tw, row(t))
		}
		if len(page) < listPageSize {
			break
		}
		after = id(page[len(page)-1])
	}
	return tw.Flush()
}
