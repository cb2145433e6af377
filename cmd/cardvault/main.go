// Command cardvault is a self-hosted PCI DSS card vault: one binary that
// serves the vault and manages it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cardvault:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 0 for a help request, 2 for usage errors and 1 otherwise.
func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// usageError marks a mistake in the command line.
type usageError string

func (u usageError) Error() string { return string(u) }

const usage = `cardvault: a self-hosted PCI DSS card vault

Usage:
  cardvault serve [flags]                          run the vault
  cardvault keys create --scopes=S1,S2 [--name=N] [--expires-in=D]
                                                   make an API key (its secret is printed once)
  cardvault keys list                              list API keys (never their secrets)
  cardvault keys revoke ID                         revoke an API key
  cardvault keys add-jwt --public-key=FILE.pem [--tenant=T] [--name=N]
                                                   register a P-521 public key for signed JWTs (Gr4vy SDKs)
  cardvault keys create-jwt --private-key-out=FILE [--tenant=T] [--name=N]
                                                   make a P-521 pair, register its public half, write the private one (0600) once
  cardvault keys list-jwt [--tenant=T]             list JWT keys by kid (RFC 7638 thumbprint)
  cardvault keys delete-jwt KID [--tenant=T]       remove a JWT key
  cardvault keys create-master                     make the master key in the PKCS#11 token (CARDVAULT_KEK_PROVIDER=pkcs11)
  cardvault keys status                            per tenant and key version: master key, what still uses it (per kind)
  cardvault rotate master                          re-wrap every key under CARDVAULT_MASTER_KEY (old one in CARDVAULT_MASTER_KEY_PREVIOUS)
  cardvault rotate data [--tenant=T] [--settle=70s] [--batch=500] [--retire]
                                                   new data key version; re-seal cards and records under it
                                                   (--retire: then retire older versions nothing uses)
  cardvault rotate retire [--tenant=T] [--version=N]
                                                   delete data key versions nothing uses; refuses one in use
  cardvault tenants create|list|disable [NAME] [--name=DISPLAY]
                                                   manage tenants; disabling stops their API keys within CARDVAULT_TENANT_CACHE_TTL (2s)
  cardvault export --tenant=T --recipient=AGE_PUBLIC_KEY --out=FILE
                                                   a tenant's cards and dialect objects, age-encrypted JSON lines
  cardvault import --tenant=T --identity=AGE_IDENTITY_FILE FILE
                                                   a cardvault export (cards, customers, payment methods, …), keeping ids
  cardvault import --tenant=T --format=csv [--dialect=guardian|gr4vy|hyperswitch|pcivault|cardvault] [--map=F=COL,…] FILE
                                                   another vault's CSV dump, keeping its ids
  cardvault audit verify [--tenant=T] [--checkpoint=FILE]
                                                   check every audit chain (against a checkpoint)
  cardvault audit list [--tenant=T]                print an audit chain as JSON lines
  cardvault audit checkpoint                       print a signed statement of every chain's head
  cardvault bench [--url=U --key=K] [--scenarios=tokenize,reveal,direct,forward] [--duration=10s] [--workers=16]
                                                   measure requests/s and latency percentiles
  cardvault version                                print the version

Every command takes the serve flags that say where the data is (--data-dir,
--database-url, --master-key, …); run "cardvault serve --help" for all of them.
`

// run is the whole program; main only supplies the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("a command is required")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return keys(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], getenv, stdout, stderr)
	case "rotate":
		return rotateCmd(ctx, args[1:], getenv, stdout, stderr)
	case "tenants":
		return tenantsCmd(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return exportCmd(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return benchmark(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "cardvault", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError(fmt.Sprintf("unknown command %q", args[0]))
}
