package transfer_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// PCI Vault user keys and entries move sealed as they are: after the
// import the user's passphrase opens the entry under its token and
// reference, and the export never held the data or the private key in
// the clear. A tenant with another id cannot take them.
func TestExportImportPCIVaultEntries(t *testing.T) {
	ctx := t.Context()
	src := newVault(t, "shop")
	ps := pcivault.New(src, pcivault.Options{KDF: seal.TestKDFParams})
	if _, _, err := ps.CreateUserKey(ctx, "shop", "alice", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	data := `{"number":"4111111111111111","expiry":"12/30","secret_note":"n0te-in-clear"}`
	ref, err := ps.StoreEntry(ctx, "shop", pcivault.StoreInput{User: "alice", Passphrase: "correct horse battery staple",
		Reference: "order-9", Data: []byte(data)})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	var file bytes.Buffer
	n, err := transfer.Export(ctx, &file, id.Recipient(), "shop", src, time.Now(), nil, ps)
	if err != nil || n != (transfer.Counts{Objects: 2}) {
		t.Fatalf("export = %+v, %v", n, err)
	}
	if plain := decrypt(t, file.Bytes(), id); strings.Contains(plain, "n0te-in-clear") || strings.Contains(plain, "4111111111111111") {
		t.Fatal("the export holds the entry's data in the clear")
	}
	dst := newVault(t, "shop")
	dps := pcivault.New(dst, pcivault.Options{KDF: seal.TestKDFParams})
	for i, want := range []transfer.Summary{{Imported: 2}, {Duplicates: 2}} {
		var rejects bytes.Buffer
		sum, err := transfer.Import(ctx, bytes.NewReader(file.Bytes()), id, "shop", dst, &rejects, nil, dps)
		if err != nil || sum != want {
			t.Fatalf("import %d = %+v, %v, want %+v; rejects %s", i, sum, err, want, rejects.String())
		}
	}
	got, plain, err := dps.RevealEntry(ctx, "shop", "alice", "correct horse battery staple", ref.Token, "order-9")
	if err != nil || got.Token != ref.Token || !strings.Contains(string(plain), "n0te-in-clear") {
		t.Fatalf("entry after import: %+v, %v", got, err)
	}
	other := newVault(t, "elsewhere")
	var rejects bytes.Buffer
	sum, err := transfer.Import(ctx, bytes.NewReader(file.Bytes()), id, "elsewhere", other, &rejects, nil,
		pcivault.New(other, pcivault.Options{KDF: seal.TestKDFParams}))
	if err != nil || sum != (transfer.Summary{Rejected: 2}) || !strings.Contains(rejects.String(), "bound to their tenant id") {
		t.Fatalf("import into a tenant with another id = %+v, %v, %s", sum, err, rejects.String())
	}
}

// A PCI Vault dump keeps user, token and reference: each row becomes an
// entry of the user's key under its token and reference, readable with
// the user's passphrase; re-running is a no-op.
func TestImportCSVPCIVaultEntries(t *testing.T) {
	ctx := t.Context()
	dst := newVault(t, "shop")
	ps := pcivault.New(dst, pcivault.Options{KDF: seal.TestKDFParams})
	if _, _, err := ps.CreateUserKey(ctx, "shop", "alice", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	const token = "96bee2420273079c0d552193b9222ae642481dac326dee08c60a95c824352359"
	dump := "user,token,reference,card_number,card_expiry,card_holder\n" +
		"alice," + token + ",ref-1,4111 1111 1111 1111,06-2029,J DOE\n" +
		"bob," + strings.Repeat("a", 64) + ",ref-2,5555555555554444,06-2029,No Such User\n" +
		"alice,not-a-token,ref-3,5555555555554444,06-2029,Bad Token\n"
	m, _ := transfer.ParseMap("id=token,number=card_number,expiry=card_expiry,holder=card_holder")
	opts := transfer.CSVOptions{Dialect: transfer.DialectPCIVault, Map: m, Entries: ps}
	for i, want := range []transfer.Summary{{Imported: 1, Rejected: 2}, {Duplicates: 1, Rejected: 2}} {
		var rejects bytes.Buffer
		sum, err := transfer.ImportCSV(ctx, strings.NewReader(dump), opts, "shop", dst, &rejects, nil)
		if err != nil || sum != want || strings.Contains(rejects.String(), "5555555555554444") {
			t.Fatalf("import %d = %+v, %v, want %+v; rejects %s", i, sum, err, want, rejects.String())
		}
	}
	ref, plain, err := ps.RevealEntry(ctx, "shop", "alice", "correct horse battery staple", token, "ref-1")
	if err != nil || ref.Token != token || !strings.Contains(string(plain), `"card_number":"4111111111111111"`) ||
		!strings.Contains(string(plain), `"card_expiry":"06-2029"`) {
		t.Fatalf("entry after import: %+v, %s, %v", ref, plain, err)
	}
}
