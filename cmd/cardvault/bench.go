package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/bench"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/seal"
)

// benchmark drives load against a vault: a running one given by --url and
// --key, or one it starts itself on a temporary embedded store.
func benchmark(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "base URL of a running vault (default: start one in this process on a temporary store)")
	key := fs.String("key", getenv("CARDVAULT_BENCH_API_KEY"), "API key with cards:write, cards:reveal and forward (env CARDVAULT_BENCH_API_KEY)")
	duration := fs.Duration("duration", 10*time.Second, "how long each scenario runs")
	workers := fs.Int("workers", 16, "concurrent clients")
	upstreamAddr := fs.String("upstream", "127.0.0.1:0", "address of the loopback provider the forward scenarios call; with --url the vault must allow http://ADDR")
	scenarios := fs.String("scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios: "+strings.Join(scenarioNames, ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}
	target := bench.Target{URL: strings.TrimSuffix(*url, "/"), Key: *key, Client: client}
	ln, err := net.Listen("tcp", *upstreamAddr)
	if err != nil {
		return fmt.Errorf("bench upstream: %w", err)
	}
	upstream := &http.Server{Handler: bench.Upstream(), ReadHeaderTimeout: 10 * time.Second}
	go upstream.Serve(ln)
	defer upstream.Close()
	upstreamURL := "http://" + ln.Addr().String() + "/payments"
	if *url == "" {
		dir, err := os.MkdirTemp("", "cardvault-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		target.Key = "bench-" + seal.NewSecret()
		c, err := config.Load("bench", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			return err
		}
		c.Listen, c.DataDir, c.BootstrapAPIKey, c.LogLevel = "127.0.0.1:0", dir, target.Key, "error"
		c.ForwardAllow = "http://" + ln.Addr().String()
		c.MasterKey = base64Key(seal.GenerateKey())
		v, err := start(ctx, c, newLogger(io.Discard, "error"), getenv)
		if err != nil {
			return err
		}
		defer v.stop(10 * time.Second)
		target.URL = "http://" + v.addr
		fmt.Fprintf(stdout, "vault: in-process at %s on a temporary SQLite store\n", target.URL)
	} else if target.Key == "" {
		return usageError("bench: --key is required with --url")
	}
	fmt.Fprintf(stdout, "workers: %d, duration per scenario: %s\n\n", *workers, *duration)
	results := map[string]bench.Result{}
	for _, name := range strings.Split(*scenarios, ",") {
		name = strings.TrimSpace(name)
		op, err := scenario(ctx, name, target, upstreamURL)
		if err != nil {
			return err
		}
		r := bench.Run(ctx, name, *workers, *duration, op, stderr)
		results[name] = r
		fmt.Fprintln(stdout, r)
		if r.FirstError != nil {
			fmt.Fprintf(stdout, "  first error: %v\n", r.FirstError)
		}
	}
	if f, d := results["forward"], results["direct"]; f.RPS() > 0 && d.RPS() > 0 {
		fmt.Fprintf(stdout, "\nforward through the vault / direct to the same upstream: %.2f of the requests/s, p50 %.1fx\n",
			f.RPS()/d.RPS(), float64(f.P50)/float64(d.P50))
	}
	return nil
}

// scenarioNames lists the scenarios bench knows, in the default order.
var scenarioNames = []string{"tokenize", "reveal", "direct", "forward"}

// scenario prepares a named scenario against the target.
func scenario(ctx context.Context, name string, t bench.Target, upstream string) (bench.Op, error) {
	switch name {
	case "direct":
		return bench.Direct(t.Client, upstream), nil
	case "forward":
		id, err := bench.CreateForwardCard(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("prepare forward: %w", err)
		}
		return bench.Forward(t, id, upstream), nil
	case "tokenize":
		return bench.Tokenize(t), nil
	case "reveal":
		ids, err := bench.CreateCards(ctx, t, 200)
		if err != nil {
			return nil, fmt.Errorf("prepare reveal: %w", err)
		}
		return bench.Reveal(t, ids), nil
	}
	return nil, usageError(fmt.Sprintf("bench: unknown scenario %q (known: %s)", name, strings.Join(scenarioNames, ", ")))
}
