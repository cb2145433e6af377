package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
)

// jwtKeyCommands are the keys subcommands handled by jwtKeys.
var jwtKeyCommands = map[string]bool{"add-jwt": true, "create-jwt": true, "list-jwt": true, "delete-jwt": true}

// jwtKeys manages the public keys merchants sign JWTs with (Gr4vy's SDKs):
// add-jwt registers an existing public key, create-jwt makes a P-521 pair
// and writes the private half once (0600) without keeping it, list-jwt and
// delete-jwt list and remove a tenant's keys.
func jwtKeys(ctx context.Context, sub string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", vault.DefaultTenant, "tenant the key authenticates")
	name := fs.String("name", "", "a name to recognise the key by")
	pubFile := fs.String("public-key", "", "add-jwt: PEM file of the P-521 public key")
	privOut := fs.String("private-key-out", "", `create-jwt: file to write the new private key to (created 0600; "-" prints it)`)
	storeArgs, ownArgs := splitFlags(fs, args)
	if err := fs.Parse(ownArgs); err != nil {
		return err
	}
	c, err := config.Load("keys", storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	svc, store, err := openVault(ctx, c, newLogger(stderr, c.LogLevel), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	keys := jwtkeys.New(svc)

	switch sub {
	case "add-jwt":
		if *pubFile == "" {
			return usageError("keys add-jwt: --public-key FILE.pem is required")
		}
		data, err := os.ReadFile(*pubFile)
		if err != nil {
			return err
		}
		pub, err := jwtauth.ParsePublicKeyPEM(data)
		if err != nil {
			return fmt.Errorf("keys add-jwt: %s: %w", *pubFile, err)
		}
		k, err := keys.Add(ctx, *tenant, *name, pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kid:     %s\ntenant:  %s\n", k.ID, k.Tenant)
		return nil
	case "create-jwt":
		if *privOut == "" {
			return usageError("keys create-jwt: --private-key-out FILE is required")
		}
		privPEM, pub, err := jwtauth.GenerateKeyPair()
		if err != nil {
			return err
		}
		// The file is made before the key is registered, so a key is never
		// registered whose private half was lost.
		if *privOut != "-" {
			if err := writeNewFile(*privOut, privPEM); err != nil {
				return err
			}
		}
		k, err := keys.Add(ctx, *tenant, *name, pub)
		if err != nil {
			if *privOut != "-" {
				_ = os.Remove(*privOut)
			}
			return err
		}
		fmt.Fprintf(stdout, "kid:     %s\ntenant:  %s\n", k.ID, k.Tenant)
		if *privOut == "-" {
			fmt.Fprintf(stdout, "%s", privPEM)
			fmt.Fprintln(stderr, "The private key is shown only now and is not kept by the vault; store it safely.")
		} else {
			fmt.Fprintf(stderr, "The private key was written to %s (mode 0600) and is not kept by the vault.\n", *privOut)
		}
		return nil
	case "list-jwt":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KID\tNAME\tCREATED")
		after := ""
		for {
			page, err := keys.List(ctx, *tenant, vault.Page{After: after, Limit: 100})
			if err != nil {
				return err
			}
			for _, k := range page {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, k.Name, stamp(k.CreatedAt))
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].ID
		}
		return tw.Flush()
	case "delete-jwt":
		if fs.NArg() != 1 {
			return usageError("keys delete-jwt: want exactly one kid")
		}
		if err := keys.Delete(ctx, *tenant, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "deleted", fs.Arg(0))
		return nil
	}
	return usageError(fmt.Sprintf("keys: unknown subcommand %q", sub))
}

// writeNewFile creates path with mode 0600 (never over an existing file)
// and writes data to it; a failed write leaves no file behind.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, os.Remove(path))
	}
	return nil
}

// splitFlags separates the flags fs defines (and positional arguments)
// from the serve flags that say where the store is.
func splitFlags(fs *flag.FlagSet, args []string) (storeArgs, ownArgs []string) {
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
	return storeArgs, ownArgs
}
