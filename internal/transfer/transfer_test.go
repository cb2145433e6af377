package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
)

func newVault(t *testing.T, tenant string) *vault.Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cardvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, _ := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	svc := vault.New(st, kr, vault.Options{})
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tenant != vault.DefaultTenant {
		if _, err := svc.CreateTenant(t.Context(), tenant, tenant); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

var pans = []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"}

func exportOf(t *testing.T, svc *vault.Service, tenant string, to age.Recipient) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := transfer.Export(t.Context(), &buf, to, tenant, svc, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportImportKeepsEveryCardAndID(t *testing.T) {
	src := newVault(t, "shop")
	want := map[string]vault.RevealedCard{}
	exp, _ := card.NewExpiry(11, 2041)
	for i, p := range pans {
		pan, _ := card.ParsePAN(p)
		v, err := src.CreateCard(t.Context(), "shop", vault.CardInput{PAN: pan, Expiry: exp, Holder: fmt.Sprint("Holder ", i),
			Reference: fmt.Sprint("ref-", i), Metadata: map[string]string{"i": fmt.Sprint(i)}, Extra: map[string]string{"x": "y"}})
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := src.RevealCard(t.Context(), "shop", v.ID)
		want[v.ID] = rc
	}
	id, _ := age.GenerateX25519Identity()
	file := exportOf(t, src, "shop", id.Recipient())
	for _, p := range pans {
		if bytes.Contains(file, []byte(p)) {
			t.Fatal("export holds a card number in the clear")
		}
	}

	dst := newVault(t, "shop-moved")
	var rejects bytes.Buffer
	sum, err := transfer.Import(t.Context(), bytes.NewReader(file), id, "shop-moved", dst, &rejects, nil)
	if err != nil || sum != (transfer.Summary{Imported: len(pans)}) {
		t.Fatalf("import = %+v, %v; rejects %s", sum, err, rejects.String())
	}
	for cid, w := range want {
		got, err := dst.RevealCard(t.Context(), "shop-moved", cid)
		if err != nil {
			t.Fatalf("card %s not under its id after import: %v", cid, err)
		}
		if got.PAN.Digits() != w.PAN.Digits() || got.Holder != w.Holder || got.Expiry != w.Expiry || got.Reference != w.Reference ||
			got.Metadata["i"] != w.Metadata["i"] || got.Extra["x"] != "y" || !got.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("card %s differs after import:\n got %+v\nwant %+v", cid, got.CardView, w.CardView)
		}
	}
	again, err := transfer.Import(t.Context(), bytes.NewReader(file), id, "shop-moved", dst, &rejects, nil)
	if err != nil || again != (transfer.Summary{Duplicates: len(pans)}) {
		t.Fatalf("second import = %+v, %v; want every row a duplicate", again, err)
	}
}

func TestImportRefusesDamagedFiles(t *testing.T) {
	src := newVault(t, vault.DefaultTenant)
	pan, _ := card.ParsePAN(pans[0])
	if _, err := src.CreateCard(t.Context(), vault.DefaultTenant, vault.CardInput{PAN: pan}); err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	file := exportOf(t, src, vault.DefaultTenant, id.Recipient())
	tampered := bytes.Clone(file)
	tampered[len(tampered)-20] ^= 1
	for name, tc := range map[string]struct {
		data []byte
		id   age.Identity
		want string
	}{
		"truncated":      {file[:len(file)-10], id, "damaged or truncated"},
		"tampered":       {tampered, id, "damaged or truncated"},
		"wrong identity": {file, other, "cannot decrypt"},
		"not age":        {[]byte("number,expiry\n4111111111111111,12/30\n"), id, "cannot decrypt"},
	} {
		t.Run(name, func(t *testing.T) {
			dst := newVault(t, vault.DefaultTenant)
			var rejects bytes.Buffer
			_, err := transfer.Import(t.Context(), bytes.NewReader(tc.data), tc.id, vault.DefaultTenant, dst, &rejects, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), pans[0]) {
				t.Fatal("error contains a card number")
			}
		})
	}
}

// encrypt makes an export file from raw lines, as another tool might.
func encrypt(t *testing.T, to age.Recipient, lines ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, to)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	w.Close()
	return buf.Bytes()
}

func TestImportRejectsBadRowsAlone(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	const good = "0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f60"
	file := encrypt(t, id.Recipient(),
		`{"format":"cardvault-export","version":1,"tenant":"x","created_at":"2026-01-01T00:00:00Z"}`,
		`{"type":"card","id":"`+good+`","number":"4111111111111111","exp_month":12,"exp_year":2040}`,
		`{"type":"card","id":"0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f61","number":"4111111111111112"}`,
		`{"type":"card","id":"not-a-uuid","number":"5555555555554444"}`,
		`{"type":"card","id":"0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f62","number":"5555555555554444","exp_month":13,"exp_year":2040}`,
		`{"type":"card","id":"0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f63","number":"5555555555554444","exp_month":1,"exp_year":2001}`,
		`not json`,
		`{"type":"end","count":5}`,
	)
	dst := newVault(t, vault.DefaultTenant)
	var rejects bytes.Buffer
	sum, err := transfer.Import(t.Context(), bytes.NewReader(file), id, vault.DefaultTenant, dst, &rejects, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum != (transfer.Summary{Imported: 2, Rejected: 4}) { // a card past its expiry date is kept
		t.Fatalf("summary %+v", sum)
	}
	if _, err := dst.RevealCard(t.Context(), vault.DefaultTenant, "0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f63"); err != nil {
		t.Fatalf("card past its expiry date not imported: %v", err)
	}
	if sum.Rejected != 4 {
		t.Fatalf("summary %+v", sum)
	}
	for _, want := range []string{`"line":3`, `check digit`, `"line":4`, `not a UUID`, `"line":5`, `expiry is not a valid`, `"line":7`, `not a JSON object`} {
		if !strings.Contains(rejects.String(), want) {
			t.Errorf("rejects file lacks %s:\n%s", want, rejects.String())
		}
	}
	for _, p := range []string{"4111111111111112", "5555555555554444", "4111111111111111"} {
		if strings.Contains(rejects.String(), p) {
			t.Fatal("rejects file contains a card number")
		}
	}
	// An id taken by another card is a rejected row, not an overwrite.
	clash := encrypt(t, id.Recipient(),
		`{"format":"cardvault-export","version":1}`,
		`{"type":"card","id":"`+good+`","number":"5555555555554444"}`,
		`{"type":"end","count":1}`)
	sum, err = transfer.Import(context.Background(), bytes.NewReader(clash), id, vault.DefaultTenant, dst, &rejects, nil)
	if err != nil || sum.Rejected != 1 {
		t.Fatalf("id clash = %+v, %v", sum, err)
	}
	if rc, _ := dst.RevealCard(t.Context(), vault.DefaultTenant, good); rc.PAN.Digits() != "4111111111111111" {
		t.Fatal("an import overwrote another card")
	}
	// A file whose end line does not match is refused.
	short := encrypt(t, id.Recipient(), `{"format":"cardvault-export","version":1}`, `{"type":"end","count":3}`)
	if _, err := transfer.Import(t.Context(), bytes.NewReader(short), id, vault.DefaultTenant, dst, &rejects, nil); err == nil {
		t.Fatal("end line with a wrong count accepted")
	}
	noEnd := encrypt(t, id.Recipient(), `{"format":"cardvault-export","version":1}`)
	if _, err := transfer.Import(t.Context(), bytes.NewReader(noEnd), id, vault.DefaultTenant, dst, &rejects, nil); !errors.Is(err, transfer.ErrTruncated) {
		t.Fatalf("file without an end line: %v", err)
	}
}

func FuzzParseCardRow(f *testing.F) {
	f.Add([]byte(`{"type":"card","id":"0190a8f1-7c2e-7b3a-9e51-3c1d2b4a5f60","number":"4111111111111111","exp_month":12,"exp_year":2040}`))
	f.Add([]byte(`{"type":"card","number":"4111111111111112"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, in, err := transfer.ParseCardRow(line)
		if err != nil {
			if r.Number != "" && len(r.Number) >= 6 && strings.Contains(err.Error(), r.Number) {
				t.Fatalf("error %q contains the number", err)
			}
			return
		}
		if in.PAN.IsZero() || in.PAN.Digits() == "" {
			t.Fatal("accepted row without a number")
		}
	})
}
