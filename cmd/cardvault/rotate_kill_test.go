package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// killItem is the value of the records seeded under every sealed kind.
type killItem struct {
	N      int    `json:"n"`
	Parent string `json:"parent"`
}

// The real binary is killed with SIGKILL in the middle of `rotate data`
// while a real server binary takes writes and reads: no request fails,
// every card and record still reads back, the re-run resumes the same
// rotation at once (the dead runner's lease is taken over), finishes it,
// the old version can then be retired, and every acknowledged card reads
// back with its number.
func TestRotateDataSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { rotateKilled(t, bin, "CARDVAULT_DATA_DIR", t.TempDir()) })
	t.Run("postgres", func(t *testing.T) { rotateKilled(t, bin, "CARDVAULT_DATABASE_URL", freshDatabase(t)) })
}

func rotateKilled(t *testing.T, bin, storeVar, storeValue string) {
	ctx := context.Background()
	vars := []string{"CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_DATABASE_URL", "", storeVar, storeValue,
		"CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()), "CARDVAULT_MASTER_KEY_FILE", "",
		"CARDVAULT_MASTER_KEY_PREVIOUS", "", "CARDVAULT_LOG_LEVEL", "error", "CARDVAULT_KEY_REFRESH", "1s",
		"CARDVAULT_BOOTSTRAP_API_KEY", killKey, "CARDVAULT_RATE_LIMIT", "off", "CARDVAULT_RATE_LIMIT_IP", "off",
		"CARDVAULT_RATE_LIMIT_CARD_WRITES", "off"}
	getenv := envOf(vars...)
	c, err := config.Load("test", nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	svc, store, err := openConfiguredVault(ctx, c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	// Seed cards and records of every sealed kind, in transactions of 100.
	const nCards, nPerKind = 1200, 30
	pans := map[string]string{}
	exp, _ := card.NewExpiry(12, 2040)
	for i := 0; i < nCards; i += 100 {
		err := svc.Tx(ctx, func(tx *vault.Service) error {
			for j := i; j < i+100; j++ {
				digits := vaulttest.WithLuhn(fmt.Sprintf("41111%010d", j))
				pan, err := card.ParsePAN(digits)
				if err != nil {
					return err
				}
				v, err := tx.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan, Expiry: exp, Holder: "Kill Test"})
				if err != nil {
					return err
				}
				pans[v.ID] = digits
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	types := map[string]*vault.RecordType[killItem]{}
	for _, kind := range vault.SealedKinds() {
		if kind == vault.KindAuditPending {
			continue // the running server links (and deletes) pending audit events; internal/rotate re-seals them
		}
		rt := vault.NewRecordType(kind, 1, nil, func(v *killItem) string { return v.Parent })
		types[kind] = rt
		err := svc.Tx(ctx, func(tx *vault.Service) error {
			for n := range nPerKind {
				if _, err := rt.Put(ctx, tx, vault.Stored[killItem]{Tenant: vault.DefaultTenant, ID: fmt.Sprintf("kill_%s_%03d", kind, n),
					Value: killItem{N: n, Parent: "p"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	uses, err := svc.DataKeyUses(ctx, vault.DefaultTenant, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := uses.Total(1)

	// A server binary takes load throughout; the rotation runs in another
	// binary and is killed part-way.
	env := os.Environ()
	for i := 0; i+1 < len(vars); i += 2 {
		env = append(env, vars[i]+"="+vars[i+1])
	}
	server := startBinary(t, bin, append(env[len(os.Environ()):], "CARDVAULT_LOG_LEVEL=info")...) // it logs its address
	server.waitReady(t)
	load := startLoad(t, server.addr)
	rotateBin := func() (string, error) {
		cmd := exec.Command(bin, "rotate", "data", "--settle=2s", "--batch=25")
		cmd.Env = env
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	cmd := exec.Command(bin, "rotate", "data", "--settle=2s", "--batch=25")
	cmd.Env = env
	var first strings.Builder
	cmd.Stdout, cmd.Stderr = &first, &first
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var at rotate.Status
	for at.Done < 200 {
		select {
		case err := <-done:
			t.Fatalf("rotate data ended before it could be killed (%v): seed more\n%s", err, first.String())
		case <-time.After(5 * time.Millisecond):
		}
		if at, err = rotate.Current(ctx, store); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	at, _ = rotate.Current(ctx, store)
	if at.Finished || at.Holder == "" || at.Done >= total {
		t.Fatalf("killed run's lock says %+v: the rotation was not interrupted part-way (%d items)", at, total)
	}
	// Interrupted: everything reads back, some items under each version.
	readAll := func(node *vault.Service, when string) {
		t.Helper()
		for id, digits := range pans {
			r, err := node.RevealCard(ctx, vault.DefaultTenant, id)
			if err != nil || r.PAN.Digits() != digits {
				t.Fatalf("%s: card %s: %v", when, id, err)
			}
		}
		for kind, rt := range types {
			for n := range nPerKind {
				r, err := rt.Get(ctx, node, vault.DefaultTenant, fmt.Sprintf("kill_%s_%03d", kind, n))
				if err != nil || r.Value.N != n {
					t.Fatalf("%s: %s record %d: %v", when, kind, n, err)
				}
			}
		}
	}
	readAll(svc, "after SIGKILL")
	mid, _ := svc.DataKeyUses(ctx, vault.DefaultTenant, nil)
	if mid.Total(1) == 0 || mid.Total(2) == 0 {
		t.Fatalf("after SIGKILL: v1 %s; v2 %s; want both in use", mid.Describe(1), mid.Describe(2))
	}

	// Resume at once: the dead runner's lease is taken over.
	out, err := rotateBin()
	if err != nil || !strings.Contains(out, "now on data key v2") || !strings.Contains(out, "(resumed)") {
		t.Fatalf("resumed rotate data: %v\n%s", err, out)
	}
	var resealed int
	if _, err := fmt.Sscanf(out[strings.Index(out, "now on data key v2, ")+len("now on data key v2, "):], "%d", &resealed); err != nil ||
		resealed > mid.Total(1) {
		t.Fatalf("resumed run re-sealed %d items, %d were left (%v): it started over\n%s", resealed, mid.Total(1), err, out)
	}
	after, _ := svc.DataKeyUses(ctx, vault.DefaultTenant, nil)
	if after.Total(1) != 0 || after.Total(2) < total {
		t.Fatalf("after the resumed rotation: v1 %s; v2 %s", after.Describe(1), after.Describe(2))
	}
	cmd = exec.Command(bin, "rotate", "retire", "--settle=0")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "data key v1 retired") {
		t.Fatalf("rotate retire: %v\n%s", err, out)
	}
	keys, _ := store.ListKeys(ctx, vault.DefaultTenant, vault.PurposeData)
	if len(keys) != 1 || keys[0].Version != 2 {
		t.Fatalf("data keys after kill, resume and retire: %+v", keys)
	}
	fresh, freshStore, err := openConfiguredVault(ctx, c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer freshStore.Close()
	readAll(fresh, "after resume and retirement")
	acked := load.stop(t)
	for id, digits := range acked {
		if status, body := call(t, "GET", "http://"+server.addr+"/cardvault/v1/cards/"+id+"/reveal", killKey, ""); status != 200 ||
			!strings.Contains(string(body), digits) {
			t.Fatalf("acknowledged card %s after kill, resume and retirement: %d", id, status)
		}
	}
	server.stop(t)
	t.Logf("%d items; killed at %d re-sealed; resumed and finished; %d cards written under load, all read back", total, at.Done, len(acked))
}

// killKey is the server's bootstrap admin key in the SIGKILL test.
const killKey = "kill-test-bootstrap-key-0123456789abcdef"

// load stores and reveals cards through a server until stopped, counting
// every request that fails.
type load struct {
	stopc    chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	acked    map[string]string
	failures []string
}

func startLoad(t *testing.T, addr string) *load {
	l := &load{stopc: make(chan struct{}), acked: map[string]string{}}
	client := &http.Client{Timeout: 10 * time.Second}
	do := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("x-api-key", killKey)
		req.Header.Set("content-type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for w := range 3 {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stopc:
					return
				default:
				}
				digits := vaulttest.WithLuhn(fmt.Sprintf("5%d%013d", w, i))
				code, out := do("POST", "/cardvault/v1/cards", `{"number":"`+digits+`","expiry":"12/40"}`)
				l.mu.Lock()
				if code != http.StatusCreated {
					l.failures = append(l.failures, fmt.Sprintf("create: %d", code))
					l.mu.Unlock()
					continue
				}
				id := out["id"].(string)
				l.acked[id] = digits
				l.mu.Unlock()
				if code, out := do("GET", "/cardvault/v1/cards/"+id+"/reveal", ""); code != http.StatusOK || out["number"] != digits {
					l.mu.Lock()
					l.failures = append(l.failures, fmt.Sprintf("reveal: %d", code))
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

// stop ends the load, fails the test if any request failed, and returns
// the acknowledged cards.
func (l *load) stop(t *testing.T) map[string]string {
	t.Helper()
	close(l.stopc)
	l.wg.Wait()
	if len(l.failures) > 0 {
		t.Fatalf("%d requests failed under the rotation; first: %s", len(l.failures), l.failures[0])
	}
	if len(l.acked) < 10 {
		t.Fatalf("only %d cards written under load: the load did not run", len(l.acked))
	}
	return l.acked
}
