package pcivault_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// A post whose endpoint is deleted, or whose user key is deleted (which
// deletes its endpoints), or whose endpoint id is deleted and taken again
// by a new endpoint, after the post's secret was checked and before its
// entry is written, stores nothing and answers not_found: once a deletion
// is acknowledged, no post checked before it lands. The post also works
// when nothing happens in between (else the refusals would prove nothing).
func TestPCIVaultCaptureDeletedBeforeWrite(t *testing.T) {
	ctx := context.Background()
	tenant := vault.DefaultTenant
	cases := []struct {
		name    string
		between func(t *testing.T, p *pcivault.Service, id string)
		code    vault.Code
	}{
		{"nothing", func(*testing.T, *pcivault.Service, string) {}, ""},
		{"endpoint deleted", func(t *testing.T, p *pcivault.Service, id string) {
			if err := p.DeleteCapture(ctx, tenant, id); err != nil {
				t.Fatal(err)
			}
		}, vault.CodeNotFound},
		{"user key deleted", func(t *testing.T, p *pcivault.Service, _ string) {
			if _, err := p.DeleteUserKey(ctx, tenant, "u", false); err != nil {
				t.Fatal(err)
			}
		}, vault.CodeNotFound},
		{"endpoint id taken again", func(t *testing.T, p *pcivault.Service, id string) {
			if err := p.DeleteCapture(ctx, tenant, id); err != nil {
				t.Fatal(err)
			}
			if _, err := p.CreateCapture(ctx, tenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, UniqueID: id}); err != nil {
				t.Fatal(err)
			}
		}, vault.CodeNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pvStores(t, func(t *testing.T, p *pcivault.Service) {
				if _, _, err := p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
					t.Fatal(err)
				}
				c, err := p.CreateCapture(ctx, tenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, UniqueID: "ep"})
				if err != nil {
					t.Fatal(err)
				}
				once := false
				pcivault.OnCaptureChecked(t, func() {
					if !once {
						once = true
						tc.between(t, p, c.ID)
					}
				})
				_, ref, err := p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: "r", Data: []byte(`{"name":"x"}`)})
				if vault.CodeOf(err) != tc.code {
					t.Fatalf("capture: %v, want code %q", err, tc.code)
				}
				refs, _, err := p.ListEntries(ctx, tenant, "", vault.Page{Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if tc.code == "" {
					want = 1
					if ref.Reference != "r" || ref.User != "u" {
						t.Fatalf("stored %+v", ref)
					}
				}
				if len(refs) != want {
					t.Fatalf("%d entries stored, want %d: %+v", len(refs), want, refs)
				}
			})
		})
	}
}
