package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
)

// keyStatus prints, per tenant and key, the master key that wraps it and,
// for data keys, what is still sealed with it (cards and each kind of
// record, counted); then the state of the last or running rotation.
func keyStatus(ctx context.Context, svc *vault.Service, stdout io.Writer) error {
	st, kr := svc.Store(), svc.Keyring()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tPURPOSE\tVERSION\tMASTER KEY\tCREATED\tUSED BY")
	after := ""
	for {
		tenants, err := st.ListTenants(ctx, vault.Page{After: after, Limit: 100})
		if err != nil {
			return err
		}
		for _, t := range tenants {
			uses, err := svc.DataKeyUses(ctx, t.ID, nil)
			if err != nil {
				return err
			}
			for _, purpose := range []string{vault.PurposeData, vault.PurposeIndex} {
				keys, err := st.ListKeys(ctx, t.ID, purpose)
				if err != nil {
					return err
				}
				for _, k := range keys {
					master := "unreadable"
					if v, err := kr.KeyVersion(k.Wrapped); err == nil {
						master = fmt.Sprintf("%08x", v)
						if v == kr.CurrentVersion() {
							master += " (current)"
						}
					}
					used := "-" // the index key seals nothing: fingerprints and audit MACs
					if purpose == vault.PurposeData {
						used = uses.Describe(k.Version)
						if uses.Total(k.Version) == 0 && k.Version != keys[0].Version {
							used += " (can be retired)"
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.ID, purpose, k.Version, master, stamp(k.CreatedAt), used)
				}
			}
		}
		if len(tenants) < 100 {
			break
		}
		after = tenants[len(tenants)-1].ID
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "USED BY counts live cards and records (customers, payment methods, sessions, ...) sealed under each data key version.")
	rs, err := rotate.Current(ctx, st)
	if err != nil {
		return err
	}
	switch {
	case rs.Kind == "":
		fmt.Fprintln(stdout, "rotation: none has run")
	case rs.Holder != "" && rs.Until.After(time.Now()):
		fmt.Fprintf(stdout, "rotation: %s running on %s, %d/%d\n", rs.Kind, rs.Holder, rs.Done, rs.Total)
	default:
		fmt.Fprintf(stdout, "rotation: last was %s, %d/%d\n", rs.Kind, rs.Done, rs.Total)
	}
	return nil
}
