package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
)

// rotateCmd runs `cardvault rotate master` (every wrapped key moves from
// CARDVAULT_MASTER_KEY_PREVIOUS to the current master key), `cardvault
// rotate data [--tenant NAME] [--retire]` (a new data key version, cards and
// records re-sealed, then unused versions retired) and `cardvault rotate
// retire [--tenant NAME] [--version N]` (retirement alone).
func rotateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "master" && args[0] != "data" && args[0] != "retire") {
		return usageError("rotate: want master, data or retire")
	}
	sub := args[0]
	fs := flag.NewFlagSet("rotate "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "rotate data, retire: only this tenant (default: every tenant)")
	settle := fs.Duration("settle", -1, "rotate data: wait this long after adding a version, so every node seals new writes with it; "+
		"retire: refuse until the newest version is this old (default: key-refresh + 10s)")
	batch := fs.Int("batch", 500, "rotate data: cards or records re-sealed per batch (the resume point is saved after each)")
	retire := fs.Bool("retire", false, "rotate data: afterwards, retire every older data key version that nothing uses")
	version := fs.Uint("version", 0, "rotate retire: the one data key version to retire (default: every older version nothing uses)")
	storeArgs, err := parseOwnFlags(fs, args[1:])
	if err != nil {
		return err
	}
	c, err := config.Load("rotate "+sub, storeArgs, getenv, stderr)
	if err != nil {
		return err
	}
	if *settle < 0 {
		*settle = c.KeyRefresh + 10*time.Second
	}
	if sub == "master" && c.MasterKeyPrevious == "" && c.MasterKeyPreviousFile == "" && c.PKCS11PreviousKeyLabel == "" {
		return usageError("rotate master: give the new key as the master key and the old one in CARDVAULT_MASTER_KEY_PREVIOUS " +
			"(or CARDVAULT_PKCS11_PREVIOUS_KEY_LABEL when both are on the token)")
	}
	svc, store, err := openConfiguredVault(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	holder := runnerName()
	log := commandAudit(svc)
	record := func(tenant, action string, detail map[string]string, runErr error) error {
		if runErr != nil {
			detail["outcome"] = "interrupted"
		}
		if err := log.Record(context.WithoutCancel(ctx), audit.Event{Tenant: tenant, Actor: "cli", Action: action, Detail: detail}); err != nil && runErr == nil {
			return fmt.Errorf("rotation done but not audited: %w", err)
		}
		return runErr
	}
	switch sub {
	case "data":
		if err := rotateData(ctx, svc, *tenant, *settle, *batch, holder, record, stdout, stderr); err != nil || !*retire {
			return err
		}
		return retireData(ctx, &rotate.Retire{Service: svc, Tenant: *tenant, Holder: holder, Settle: *settle, Gone: runnerGone}, record, stdout)
	case "retire":
		return retireData(ctx, &rotate.Retire{Service: svc, Tenant: *tenant, Version: uint32(*version), Holder: holder, Settle: *settle,
			Gone: runnerGone},
			record, stdout)
	}

	bar := newProgress(stderr, "rotate master: keys re-wrapped")
	m := &rotate.Master{Store: svc.Store(), Keyring: svc.Keyring(), Holder: holder, Gone: runnerGone, Progress: bar.update}
	res, err := m.Run(ctx)
	err = record(vault.DefaultTenant, "keys.rotate_master", map[string]string{"rewrapped": strconv.Itoa(res.Rewrapped),
		"to_master_key": fmt.Sprintf("%08x", svc.Keyring().CurrentVersion()), "check_resealed": strconv.FormatBool(res.CheckResealed)}, err)
	if err != nil {
		return fmt.Errorf("rotate master: %w (every key stays readable with the current and previous key; run it again to continue)", err)
	}
	fmt.Fprintf(stdout, "rotate master: %d keys re-wrapped, %d already under master key %08x; check value re-sealed: %v\n",
		res.Rewrapped, res.Already, svc.Keyring().CurrentVersion(), res.CheckResealed)
	fmt.Fprintln(stdout, "Now restart every node with CARDVAULT_MASTER_KEY alone (drop CARDVAULT_MASTER_KEY_PREVIOUS).")
	return nil
}

// rotateData runs a data key rotation with a progress line per tenant.
func rotateData(ctx context.Context, svc *vault.Service, tenant string, settle time.Duration, batch int, holder string,
	record func(string, string, map[string]string, error) error, stdout, stderr io.Writer) error {
	bars := map[string]*progressLine{}
	d := &rotate.Data{Service: svc, Tenant: tenant, Holder: holder, Gone: runnerGone, Settle: settle, Batch: batch,
		Progress: func(t string, done, total int) {
			if bars[t] == nil {
				bars[t] = newProgress(stderr, "rotate data "+t+": cards and records re-sealed")
			}
			bars[t].update(done, total)
		}}
	if settle > 0 {
		fmt.Fprintf(stderr, "rotate data: waiting %s after each new version so every node uses it for new writes\n", settle)
	}
	results, err := d.Run(ctx)
	for _, r := range results {
		detail := map[string]string{"version": strconv.FormatUint(uint64(r.Version), 10), "resealed": strconv.Itoa(r.Resealed)}
		for kind, n := range r.ByKind {
			if n > 0 {
				detail["resealed_"+kind] = strconv.Itoa(n)
			}
		}
		if aerr := record(r.Tenant, "keys.rotate_data", detail, nil); aerr != nil && err == nil {
			err = aerr
		}
		fmt.Fprintf(stdout, "rotate data: tenant %s now on data key v%d, %d cards and records re-sealed (%s)%s\n", r.Tenant, r.Version,
			r.Resealed, r.ByKind, map[bool]string{true: " (resumed)"}[r.Resumed])
	}
	if err != nil {
		return fmt.Errorf("rotate data: %w (every card and record stays readable; run it again to continue)", err)
	}
	return nil
}

// splitArgs separates a subcommand's own flags (those fs defines, and
// positional arguments) from the serve flags that say where the store is.
// Everything after "--" is positional, so an argument that begins with a
// dash (a JWT key's thumbprint can) is passed as "-- ARG"; ownArgs puts
// its positional arguments after a "--" of its own, so that fs.Parse
// never reads one of them as a flag.
func splitArgs(fs *flag.FlagSet, args []string) (storeArgs, ownArgs []string) {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		n := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		switch {
		case strings.HasPrefix(a, "-") && fs.Lookup(n) == nil:
			storeArgs = append(storeArgs, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				storeArgs = append(storeArgs, args[i])
			}
		case strings.HasPrefix(a, "-"):
			ownArgs = append(ownArgs, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && fs.Lookup(n) != nil && !isBoolFlag(fs, n) {
				i++
				ownArgs = append(ownArgs, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) == 0 {
		return storeArgs, ownArgs
	}
	return storeArgs, append(append(ownArgs, "--"), positional...)
}

func isBoolFlag(fs *flag.FlagSet, name string) bool {
	b, ok := fs.Lookup(name).Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
