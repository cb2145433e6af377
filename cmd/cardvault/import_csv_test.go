package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// A CSV dump of another vault is imported keeping its ids: the Guardian
// token, the Gr4vy payment method, the Hyperswitch payment method (and its
// customer) and the PCI Vault user/token/reference are then served under
// those ids by their dialects, over real HTTP.
func TestImportCSVIDsServedByDialects(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	work := t.TempDir()
	const admin = "dev-root-key-0123456789abcdef0123456789"
	env := envOf("CARDVAULT_DATA_DIR", filepath.Join(work, "data"), "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()),
		"CARDVAULT_BOOTSTRAP_API_KEY", admin)
	const (
		guardianID = "0192b9b0-6c4e-7f3a-9d1e-2b8c4a5f6e70"
		gr4vyID    = "8724fd24-5489-4a5d-90fd-0604df7d3b83"
	)
	guardianCSV := filepath.Join(work, "guardian.csv")
	os.WriteFile(guardianCSV, []byte("token_id,card_number,exp,cardholder\n"+
		guardianID+",4111111111111111,12/2030,Ada Lovelace\n"+
		"not-a-token,5555555555554444,12/2030,Bad Id\n"), 0o600)
	gr4vyCSV := filepath.Join(work, "gr4vy.csv")
	os.WriteFile(gr4vyCSV, []byte("id;number;expiration_month;expiration_year;external_identifier\n"+
		gr4vyID+";5555555555554444;3;2031;order-77\n"), 0o600)

	hsCSV := filepath.Join(work, "hyperswitch.csv")
	os.WriteFile(hsCSV, []byte("payment_method_id,customer_id,card_number,card_exp_month,card_exp_year\n"+
		"pm_hs_0001,cus_hs_ada,378282246310005,4,2032\n"), 0o600)
	const pvToken = "96bee2420273079c0d552193b9222ae642481dac326dee08c60a95c824352359"
	pvCSV := filepath.Join(work, "pcivault.csv")
	os.WriteFile(pvCSV, []byte("user,token,reference,card_number,card_expiry,card_holder\n"+
		"alice,"+pvToken+",ref-1,4111 1111 1111 1111,06-2029,J DOE\n"), 0o600)
	svc, store, err := openVault(ctx, mustConfig(t, env), newLogger(io.Discard, "error"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams}).CreateUserKey(ctx, "default", "alice", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	store.Close()
	imports := []struct {
		args []string
		want string
	}{
		{[]string{"--dialect=guardian", "--map", "id=token_id,number=card_number,expiry=exp,holder=cardholder", guardianCSV},
			"imported 1, duplicates 0, rejected 1"},
		{[]string{"--dialect=guardian", "--map", "id=token_id,number=card_number,expiry=exp,holder=cardholder", guardianCSV},
			"imported 0, duplicates 1, rejected 1"},
		{[]string{"--dialect", "gr4vy", "--comma=;", "--map", "exp_month=expiration_month,exp_year=expiration_year,reference=external_identifier", gr4vyCSV},
			"imported 1, duplicates 0, rejected 0"},
		{[]string{"--dialect=hyperswitch", "--profile=pro_shop", "--map", "id=payment_method_id,number=card_number,exp_month=card_exp_month,exp_year=card_exp_year", hsCSV},
			"imported 1, duplicates 0, rejected 0"},
		{[]string{"--dialect=pcivault", "--map", "id=token,number=card_number,expiry=card_expiry,holder=card_holder", pvCSV},
			"imported 1, duplicates 0, rejected 0"},
	}
	for i, imp := range imports {
		var stdout strings.Builder
		args := append([]string{"import", "--tenant", "default", "--format", "csv"}, imp.args...)
		if err := run(ctx, args, env, &stdout, io.Discard); err != nil || !strings.Contains(stdout.String(), imp.want) {
			t.Fatalf("import %d: %v, said %q, want %q", i, err, stdout.String(), imp.want)
		}
	}
	rejects, _ := os.ReadFile(guardianCSV + ".rejects.jsonl")
	if !strings.Contains(string(rejects), `"line":3`) || strings.Contains(string(rejects), "5555555555554444") {
		t.Fatalf("rejects file: %s", rejects)
	}
	if err := run(ctx, []string{"import", "--tenant", "default", "--format", "csv", "--map", "pan=x", gr4vyCSV}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("an unknown --map field was accepted")
	}

	addr, _ := runServe(t, ctx, env)
	get := func(path string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("x-api-key", admin)
		req.Header.Set("X-Profile-Id", "pro_shop")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
		}
		return out
	}
	tok := get("/api/pci/tokens/" + guardianID)
	if tok["id"] != guardianID || !strings.Contains(string(must(json.Marshal(tok))), "1111") {
		t.Fatalf("Guardian token after import: %v", tok)
	}
	pm := get("/payment-methods/" + gr4vyID)
	if pm["id"] != gr4vyID || pm["external_identifier"] != "order-77" || pm["expiration_date"] != "03/31" {
		t.Fatalf("Gr4vy payment method after import: %v", pm)
	}
	entry := get("/v1/vault?user=alice&passphrase=correct+horse+battery+staple&token=" + pvToken + "&reference=ref-1")
	if entry["card_number"] != "4111111111111111" || entry["card_holder"] != "J DOE" {
		t.Fatalf("PCI Vault entry after import: %v", entry)
	}
	hs := get("/v2/payment-methods/pm_hs_0001")
	if hs["id"] != "pm_hs_0001" || hs["customer_id"] != "cus_hs_ada" {
		t.Fatalf("Hyperswitch payment method after import: %v", hs)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
