package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// PCIVault is a PCI Vault user (a key pair under a passphrase) that the
// capture and reveal-pcivault scenarios share. Creating it runs Argon2id
// once.
type PCIVault struct {
	User, Passphrase string
}

// query renders the user's credentials with extra name, value pairs.
func (p PCIVault) query(extra ...string) string {
	v := url.Values{"user": {p.User}, "passphrase": {p.Passphrase}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "?" + v.Encode()
}

// CreatePCIVaultUser makes the user's key through POST /v1/key.
func CreatePCIVaultUser(ctx context.Context, t Target, user, passphrase string) (PCIVault, error) {
	body, err := json.Marshal(map[string]string{"user": user, "passphrase": passphrase})
	if err != nil {
		return PCIVault{}, err
	}
	if _, err := t.do(ctx, http.MethodPost, "/v1/key", body, http.StatusOK); err != nil {
		return PCIVault{}, err
	}
	return PCIVault{User: user, Passphrase: passphrase}, nil
}

// pciCard is the card data the PCI Vault scenarios store (a test number).
const pciCard = `{"card_number":"4111111111111111","card_holder":"J DOE","card_expiry":"12/2039"}`

// StorePCIVaultEntries stores n entries through POST /v1/vault and returns
// their token and reference pairs.
func StorePCIVaultEntries(ctx context.Context, t Target, p PCIVault, n int) ([][2]string, error) {
	out := make([][2]string, 0, n)
	for i := range n {
		b, err := t.do(ctx, http.MethodPost, "/v1/vault"+p.query("reference", "bench-"+strconv.Itoa(i)), []byte(pciCard), http.StatusOK)
		if err != nil {
			return nil, err
		}
		var e struct{ Token, Reference string }
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, err
		}
		out = append(out, [2]string{e.Token, e.Reference})
	}
	return out, nil
}

// RevealPCIVault reads an entry back per call through GET /v1/vault with
// the passphrase, cycling through entries.
func RevealPCIVault(t Target, p PCIVault, entries [][2]string) Op {
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = "/v1/vault" + p.query("token", e[0], "reference", e[1])
	}
	return func(ctx context.Context, w, i int) error {
		_, err := t.do(ctx, http.MethodGet, paths[(w*7919+i)%len(paths)], nil, http.StatusOK)
		return err
	}
}

// CaptureEndpoint is a capture endpoint's path and secret.
type CaptureEndpoint struct {
	Path, Secret string
}

// CreateCaptureEndpoint makes a capture endpoint for the user through
// POST /v1/capture.
func CreateCaptureEndpoint(ctx context.Context, t Target, p PCIVault) (CaptureEndpoint, error) {
	b, err := t.do(ctx, http.MethodPost, "/v1/capture"+p.query("ttl", "0"), nil, http.StatusOK)
	if err != nil {
		return CaptureEndpoint{}, err
	}
	var e struct{ URL, Secret string }
	if err := json.Unmarshal(b, &e); err != nil {
		return CaptureEndpoint{}, err
	}
	if e.URL == "" || e.Secret == "" {
		return CaptureEndpoint{}, fmt.Errorf("capture endpoint: answer without url or secret")
	}
	return CaptureEndpoint{Path: e.URL, Secret: e.Secret}, nil
}

// capturesPerEndpoint is how many posts one endpoint takes in the capture
// scenario: the vault's default limit per endpoint (PCIVaultOptions.MaxCaptures).
const capturesPerEndpoint = 100

// CaptureEndpoints makes n capture endpoints for the user, four at a time
// (each creation checks the passphrase with Argon2id).
func CaptureEndpoints(ctx context.Context, t Target, p PCIVault, n int) ([]CaptureEndpoint, error) {
	eps := make([]CaptureEndpoint, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range eps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			eps[i], errs[i] = CreateCaptureEndpoint(ctx, t, p)
		}()
	}
	wg.Wait()
	return eps, errors.Join(errs...)
}

// Capture posts a card per call to a capture endpoint, the way a third
// party's page does (no API key, the endpoint's secret header, its own
// reference). Each worker posts to an endpoint of its own, as each
// customer's form would (concurrent posts to one endpoint contend for its
// capture count), and takes the next one after capturesPerEndpoint posts;
// once all are used up, a call makes a new endpoint first (inside its timed
// call), so give enough endpoints for the run.
func Capture(t Target, p PCIVault, endpoints []CaptureEndpoint) Op {
	third := t
	third.Key = "" // a third party has no API key
	type slot struct {
		ep   CaptureEndpoint
		used int
	}
	var (
		mu    sync.Mutex
		next  int
		slots = map[int]*slot{}
		posts atomic.Int64
		run   = "capture-" + strconv.FormatInt(time.Now().UnixNano(), 36) // references unique across runs
	)
	return func(ctx context.Context, w, i int) error {
		mu.Lock()
		s := slots[w]
		if s == nil {
			s = &slot{used: capturesPerEndpoint}
			slots[w] = s
		}
		var fresh bool
		if s.used >= capturesPerEndpoint {
			if next < len(endpoints) {
				s.ep, s.used = endpoints[next], 0
				next++
			} else {
				fresh = true
			}
		}
		mu.Unlock()
		if fresh {
			ep, err := CreateCaptureEndpoint(ctx, t, p)
			if err != nil {
				return err
			}
			s.ep, s.used = ep, 0
		}
		s.used++
		k := posts.Add(1)
		body := `{"card_number":"` + testPANs[k%int64(len(testPANs))] + `","card_holder":"J DOE","card_expiry":"12/2039"}`
		_, err := third.do(ctx, http.MethodPost, s.ep.Path+"?reference="+run+"-"+strconv.FormatInt(k, 10), []byte(body), http.StatusOK,
			"Content-Type", "text/plain;charset=UTF-8", "X-PCIVault-Capture-Secret", s.ep.Secret)
		return err
	}
}
