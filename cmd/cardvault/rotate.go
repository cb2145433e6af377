package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
)

// rotateCmd runs `cardvault rotate master`: every wrapped key moves from
// CARDVAULT_MASTER_KEY_PREVIOUS to the current master key.
func rotateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "master" {
		return usageError("rotate: want master (rotate data is not built yet; see docs/operations.md)")
	}
	c, err := config.Load("rotate master", args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	if c.MasterKeyPrevious == "" && c.MasterKeyPreviousFile == "" {
		return usageError("rotate master: give the new key as the master key and the old one in CARDVAULT_MASTER_KEY_PREVIOUS")
	}
	svc, store, err := openVault(ctx, c, newLogger(stderr, c.LogLevel), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	host, _ := os.Hostname()
	bar := newProgress(stderr, "rotate master: keys re-wrapped")
	m := &rotate.Master{Store: svc.Store(), Keyring: svc.Keyring(), Holder: host + " pid " + strconv.Itoa(os.Getpid()),
		Progress: bar.update}
	res, err := m.Run(ctx)
	log := audit.New(svc.Store(), svc.MAC, nil)
	detail := map[string]string{"rewrapped": strconv.Itoa(res.Rewrapped), "to_master_key": fmt.Sprintf("%08x", svc.Keyring().CurrentVersion()),
		"check_resealed": strconv.FormatBool(res.CheckResealed)}
	if err != nil {
		detail["error"] = "interrupted"
	}
	if aerr := log.Record(context.WithoutCancel(ctx), audit.Event{Tenant: vault.DefaultTenant, Actor: "cli", Action: "keys.rotate_master", Detail: detail}); aerr != nil && err == nil {
		err = fmt.Errorf("rotation done but not audited: %w", aerr)
	}
	if err != nil {
		return fmt.Errorf("rotate master: %w (every key is readable with the current and previous key; run it again to continue)", err)
	}
	fmt.Fprintf(stdout, "rotate master: %d keys re-wrapped, %d already under master key %08x; check value re-sealed: %v\n",
		res.Rewrapped, res.Already, svc.Keyring().CurrentVersion(), res.CheckResealed)
	fmt.Fprintln(stdout, "Now restart every node with CARDVAULT_MASTER_KEY alone (drop CARDVAULT_MASTER_KEY_PREVIOUS).")
	return nil
}
