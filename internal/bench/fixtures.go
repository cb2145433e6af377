package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Fixtures are what an external load generator (bench/wrk.sh drives wrk)
// needs to send each request of issue 17's table: the vault, its API key,
// a stored card for each API, a PCI Vault user and entry, capture
// endpoints, and the loopback provider and bare relay that the forward is
// compared with. Every value is an address, an id or a secret made for the
// run, or a body holding only test card numbers.
type Fixtures struct {
	VaultURL, APIKey string
	// ProviderURL is the loopback provider (Upstream); RelayURL the bare
	// relay in front of it (Relay).
	ProviderURL, RelayURL string
	// CardID is a card stored through the native API (native reveal).
	CardID string
	// PCIToken is a Guardian PCI token with a held security code (forward).
	PCIToken string
	// PCIVault is a PCI Vault user; PCIVaultToken and PCIVaultReference name
	// one of its entries (PCI Vault reveal).
	PCIVault                         PCIVault
	PCIVaultToken, PCIVaultReference string
	// Captures are capture endpoints of the PCI Vault user.
	Captures []CaptureEndpoint
}

// guardianCard is the card behind the Guardian token: the card directBody
// holds, so that a forward and the direct call send the same bytes.
const guardianCard = `{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039,` +
	`"cardholder_name":"Bench","security_code":"123"}`

// GuardianTokenizeBody is the body of one POST /api/pci/tokens: a pan
// source without a security code, the same card on every request.
const GuardianTokenizeBody = `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,` +
	`"expiry_year":2039,"cardholder_name":"John Doe"}}`

// GuardianForwardBody is forwardTemplate in Guardian's placeholder syntax:
// the vault renders it for the Guardian token into directBody.
const GuardianForwardBody = `{"amount":1299,"currency":"EUR","reference":"bench-order","source":{"type":"card",` +
	`"number":"{{ account_number }}","expiry_month":{{ expiry_month }},` +
	`"expiry_year":{{ expiry_year }},"name":"{{ cardholder_name }}",` +
	`"cvc":"{{ security_code }}"},"capture":true,"metadata":{"channel":"web","attempt":1}}`

// DirectBody is what the vault sends the provider on a forward: the body
// the bare relay and the direct call send.
const DirectBody = directBody

// PrepareFixtures stores the fixtures in the vault t (one Argon2id run for
// the PCI Vault user, then one per capture endpoint at most) and returns
// them with the provider's and the relay's URLs.
func PrepareFixtures(ctx context.Context, t Target, providerURL, relayURL string, captures int) (Fixtures, error) {
	f := Fixtures{VaultURL: t.URL, APIKey: t.Key, ProviderURL: providerURL, RelayURL: relayURL}
	ids, err := CreateCards(ctx, t, 1)
	if err != nil {
		return Fixtures{}, fmt.Errorf("native card: %w", err)
	}
	f.CardID = ids[0]
	b, err := t.do(ctx, http.MethodPost, "/api/pci/tokens", []byte(`{"source":`+guardianCard+`}`), http.StatusOK)
	if err != nil {
		return Fixtures{}, fmt.Errorf("guardian token: %w", err)
	}
	var tok struct{ ID string }
	if err := json.Unmarshal(b, &tok); err != nil || tok.ID == "" {
		return Fixtures{}, fmt.Errorf("guardian token: no id in the answer (%v)", err)
	}
	f.PCIToken = tok.ID
	if f.PCIVault, err = CreatePCIVaultUser(ctx, t, "wrk-"+randomName(), "wrk-passphrase-"+randomName()); err != nil {
		return Fixtures{}, fmt.Errorf("PCI Vault user: %w", err)
	}
	entries, err := StorePCIVaultEntries(ctx, t, f.PCIVault, 1)
	if err != nil {
		return Fixtures{}, fmt.Errorf("PCI Vault entry: %w", err)
	}
	f.PCIVaultToken, f.PCIVaultReference = entries[0][0], entries[0][1]
	if f.Captures, err = CaptureEndpoints(ctx, t, f.PCIVault, captures); err != nil {
		return Fixtures{}, fmt.Errorf("capture endpoints: %w", err)
	}
	return f, nil
}

// Env returns the fixtures as ordered name and value pairs, with the paths
// and bodies of each scenario ready to send. CAPTURE_PATHS and
// CAPTURE_SECRETS are space-separated and in the same order.
func (f Fixtures) Env() [][2]string {
	paths := make([]string, len(f.Captures))
	secrets := make([]string, len(f.Captures))
	for i, c := range f.Captures {
		paths[i], secrets[i] = c.Path, c.Secret
	}
	return [][2]string{
		{"VAULT_URL", f.VaultURL},
		{"API_KEY", f.APIKey},
		{"PROVIDER_URL", f.ProviderURL},
		{"RELAY_URL", f.RelayURL},
		{"TOKENIZE_PATH", "/api/pci/tokens"},
		{"TOKENIZE_BODY", GuardianTokenizeBody},
		{"CARD_ID", f.CardID},
		{"REVEAL_PATH", "/cardvault/v1/cards/" + f.CardID + "/reveal"},
		{"PCI_TOKEN", f.PCIToken},
		{"FORWARD_PATH", "/api/pci/tokens/" + f.PCIToken + "/forward"},
		{"FORWARD_BODY", GuardianForwardBody},
		{"DIRECT_BODY", DirectBody},
		{"PCIVAULT_USER", f.PCIVault.User},
		{"PCIVAULT_PASSPHRASE", f.PCIVault.Passphrase},
		{"PCIVAULT_TOKEN", f.PCIVaultToken},
		{"PCIVAULT_REFERENCE", f.PCIVaultReference},
		{"PCIVAULT_REVEAL_PATH", "/v1/vault" + f.PCIVault.query("token", f.PCIVaultToken, "reference", f.PCIVaultReference)},
		{"CAPTURE_PATHS", strings.Join(paths, " ")},
		{"CAPTURE_SECRETS", strings.Join(secrets, " ")},
	}
}

// WriteEnv prints the fixtures as shell assignments, NAME='value', one a
// line, so that a script can source them.
func (f Fixtures) WriteEnv(w io.Writer) error {
	for _, kv := range f.Env() {
		if _, err := fmt.Fprintf(w, "%s=%s\n", kv[0], shellQuote(kv[1])); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote inside ending the quoted run, escaped, and starting the next.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// randomName is 16 random letters and digits, for names unique to a run.
func randomName() string { return rand.Text()[:16] }
