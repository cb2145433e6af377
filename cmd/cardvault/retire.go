package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
)

// retireData runs a retirement and prints and audits, per version, whether
// it was retired or what still uses it.
func retireData(ctx context.Context, r *rotate.Retire,
	record func(string, string, map[string]string, error) error, stdout io.Writer) error {
	results, err := r.Run(ctx)
	for _, res := range results {
		v := strconv.FormatUint(uint64(res.Version), 10)
		if res.Retired {
			if aerr := record(res.Tenant, "keys.retire_data", map[string]string{"version": v}, nil); aerr != nil && err == nil {
				err = aerr
			}
			fmt.Fprintf(stdout, "rotate retire: tenant %s data key v%s retired (nothing used it)\n", res.Tenant, v)
			continue
		}
		fmt.Fprintf(stdout, "rotate retire: tenant %s data key v%s kept: still seals %s\n", res.Tenant, v, res.Uses)
	}
	if err != nil {
		detail := map[string]string{"outcome": "refused"}
		if r.Version != 0 {
			detail["version"] = strconv.FormatUint(uint64(r.Version), 10)
		}
		tenant := r.Tenant
		if tenant == "" {
			tenant = vault.DefaultTenant
		}
		if aerr := record(tenant, "keys.retire_data", detail, nil); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return fmt.Errorf("rotate retire: %w (no key was removed that anything uses)", err)
	}
	if len(results) == 0 {
		fmt.Fprintln(stdout, "rotate retire: no older data key versions")
	}
	return nil
}
