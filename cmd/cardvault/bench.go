package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/bench"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/ratelimit"
	"github.com/cardvault/cardvault/internal/seal"
)

// benchFlags are the settings of one bench run.
type benchFlags struct {
	url, key, store, scenarios, upstream, markdown, svg, title string
	duration                                                   time.Duration
	workers, rssPID                                            int
	serveFixtures                                              bool
}

// benchmark drives load against a vault: a running one given by --url and
// --key, or one it starts itself on a temporary embedded store (or the
// PostgreSQL database given by --store).
func benchmark(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f benchFlags
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "", "base URL of a running vault (default: start one in this process on a temporary store)")
	fs.StringVar(&f.key, "key", getenv("CARDVAULT_BENCH_API_KEY"), "API key with cards:write, cards:reveal and forward (env CARDVAULT_BENCH_API_KEY)")
	fs.StringVar(&f.store, "store", "", "store of the in-process vault: empty for a temporary SQLite file, or a postgres:// URL (use a scratch database: the run leaves its data there)")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.IntVar(&f.workers, "workers", 16, "concurrent clients")
	fs.StringVar(&f.upstream, "upstream", "127.0.0.1:0", "address of the loopback provider the forward scenarios call; with --url the vault must allow http://ADDR")
	fs.StringVar(&f.scenarios, "scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios: "+strings.Join(scenarioNames, ", "))
	fs.IntVar(&f.rssPID, "rss-pid", 0, "process id of the vault whose resident memory to report after each scenario (default: this process when the vault runs in it)")
	fs.StringVar(&f.markdown, "markdown", "", "also write the results as a Markdown table to this file")
	fs.StringVar(&f.svg, "svg", "", "also draw requests/s and p99 per scenario as an SVG chart in this file")
	fs.StringVar(&f.title, "title", "cardvault bench", "title of the SVG chart")
	fs.BoolVar(&f.serveFixtures, "serve-fixtures", false, "drive no load: start the loopback provider (--upstream) and the bare relay, store the fixtures of bench/wrk.sh in the vault, print them as shell NAME='value' lines ending with READY=1, and serve until interrupted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: f.workers * 2}}
	target := bench.Target{URL: strings.TrimSuffix(f.url, "/"), Key: f.key, Client: client}
	upstreamURL, relayURL, stopLoopback, err := startLoopback(f)
	if err != nil {
		return err
	}
	defer stopLoopback()
	if f.url == "" {
		info := stdout
		if f.serveFixtures {
			info = stderr // stdout is for the fixtures alone
		}
		stop, err := startBenchVault(ctx, f, &target, upstreamURL, getenv, info)
		if err != nil {
			return err
		}
		defer stop()
		if f.rssPID == 0 {
			f.rssPID = os.Getpid()
		}
	} else if target.Key == "" {
		return usageError("bench: --key is required with --url")
	}
	if f.serveFixtures {
		return serveFixtures(ctx, target, upstreamURL, relayURL, stdout)
	}
	fmt.Fprintf(stdout, "workers: %d, duration per scenario: %s\n\n", f.workers, f.duration)
	prep := &benchPrep{target: target, upstream: upstreamURL, relay: relayURL, duration: f.duration, workers: f.workers}
	results := map[string]bench.Result{}
	var ordered []bench.Result
	for _, name := range strings.Split(f.scenarios, ",") {
		name = strings.TrimSpace(name)
		op, err := prep.scenario(ctx, name)
		if err != nil {
			return err
		}
		r := bench.Run(ctx, name, f.workers, f.duration, op, stderr)
		r.RSS = residentBytes(f.rssPID)
		results[name] = r
		ordered = append(ordered, r)
		fmt.Fprintln(stdout, r)
		if r.FirstError != nil {
			fmt.Fprintf(stdout, "  first error: %v\n", r.FirstError)
		}
	}
	fmt.Fprintln(stdout)
	bench.WriteRatios(stdout, results)
	if hwm := peakResidentBytes(f.rssPID); hwm > 0 {
		fmt.Fprintf(stdout, "peak resident memory of process %d: %d MB\n", f.rssPID, hwm>>20)
	}
	return writeReports(f, ordered)
}

// fixtureCaptureEndpoints is how many capture endpoints --serve-fixtures
// makes: a few, so that concurrent posts spread over more than one (the
// vault bounds no endpoint's captures unless configured to).
const fixtureCaptureEndpoints = 8

// serveFixtures prepares the fixtures of an external load generator
// against target, prints them, and keeps the provider and the relay (which
// the caller started) up until ctx ends.
func serveFixtures(ctx context.Context, target bench.Target, upstreamURL, relayURL string, stdout io.Writer) error {
	fx, err := bench.PrepareFixtures(ctx, target, upstreamURL, relayURL, fixtureCaptureEndpoints)
	if err != nil {
		return fmt.Errorf("bench: prepare fixtures: %w", err)
	}
	if err := fx.WriteEnv(stdout); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, "READY=1"); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// startLoopback starts the loopback provider and the bare relay in front of
// it, and returns their URLs.
func startLoopback(f benchFlags) (upstream, relay string, stop func(), err error) {
	ln, err := net.Listen("tcp", f.upstream)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench upstream: %w", err)
	}
	provider := &http.Server{Handler: bench.Upstream(), ReadHeaderTimeout: 10 * time.Second}
	go provider.Serve(ln)
	upstream = "http://" + ln.Addr().String() + "/payments"
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		provider.Close()
		return "", "", nil, fmt.Errorf("bench relay: %w", err)
	}
	// The bare relay keeps as many idle connections per provider as the vault's
	// relay does, so that forward / relay compares the work, not the pooling.
	relayClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: forward.DefaultMaxIdleConnsPerHost}}
	relaySrv := &http.Server{Handler: bench.Relay(relayClient, upstream), ReadHeaderTimeout: 10 * time.Second}
	go relaySrv.Serve(rln)
	return upstream, "http://" + rln.Addr().String() + "/payments", func() { relaySrv.Close(); provider.Close() }, nil
}

// startBenchVault starts a vault in this process on a temporary SQLite
// store or f.store, allowing forwards to upstream, and points target at it.
func startBenchVault(ctx context.Context, f benchFlags, target *bench.Target, upstream string, getenv func(string) string, stdout io.Writer) (func(), error) {
	dir, err := os.MkdirTemp("", "cardvault-bench-")
	if err != nil {
		return nil, err
	}
	target.Key = "bench-" + seal.NewSecret()
	c, err := config.Load("bench", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.Listen, c.DataDir, c.DatabaseURL, c.BootstrapAPIKey, c.LogLevel = "127.0.0.1:0", dir, f.store, target.Key, "error"
	c.ForwardAllow = "http://" + strings.TrimSuffix(strings.TrimPrefix(upstream, "http://"), "/payments")
	c.MasterKey = base64Key(seal.GenerateKey())
	// One key from one address far above the default rate limits: a load
	// test measures the vault, not its limits.
	c.RateLimit, c.RateLimitIP, c.RateLimitCardWrites = ratelimit.Limit{}, ratelimit.Limit{}, ratelimit.Limit{}
	v, err := start(ctx, c, newLogger(io.Discard, "error"), getenv)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	target.URL = "http://" + v.addr
	fmt.Fprintf(stdout, "vault: in-process at %s on %s\n", target.URL, map[bool]string{true: "a temporary SQLite store", false: "PostgreSQL"}[f.store == ""])
	return func() { v.stop(10 * time.Second); os.RemoveAll(dir) }, nil
}

// writeReports writes the Markdown table and the SVG chart when asked.
func writeReports(f benchFlags, results []bench.Result) error {
	if f.markdown != "" {
		out, err := os.Create(f.markdown)
		if err != nil {
			return err
		}
		bench.WriteMarkdown(out, results)
		if err := out.Close(); err != nil {
			return err
		}
	}
	if f.svg != "" {
		out, err := os.Create(f.svg)
		if err != nil {
			return err
		}
		if err := bench.WriteSVG(out, f.title, results); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	return nil
}

// scenarioNames lists the scenarios bench knows, in the default order.
var scenarioNames = []string{"tokenize", "reveal", "reveal-pcivault", "capture", "direct", "relay", "forward"}

// benchPrep prepares scenarios, sharing the PCI Vault user between them.
type benchPrep struct {
	target          bench.Target
	upstream, relay string
	duration        time.Duration
	workers         int
	pci             *bench.PCIVault
}

// pciUser makes the PCI Vault user on first use (one Argon2id run).
func (p *benchPrep) pciUser(ctx context.Context) (bench.PCIVault, error) {
	if p.pci == nil {
		u, err := bench.CreatePCIVaultUser(ctx, p.target, "bench-"+seal.RandomID(8), "bench-passphrase-"+seal.RandomID(16))
		if err != nil {
			return bench.PCIVault{}, fmt.Errorf("prepare PCI Vault user: %w", err)
		}
		p.pci = &u
	}
	return *p.pci, nil
}

// scenario prepares a named scenario against the target.
func (p *benchPrep) scenario(ctx context.Context, name string) (bench.Op, error) {
	t := p.target
	switch name {
	case "direct":
		return bench.Direct(t.Client, p.upstream), nil
	case "relay":
		return bench.ThroughRelay(t.Client, p.relay), nil
	case "forward":
		id, session, err := bench.CreateForwardCard(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("prepare forward: %w", err)
		}
		return bench.Forward(t, id, session, p.upstream), nil
	case "tokenize":
		return bench.Tokenize(t), nil
	case "reveal":
		ids, err := bench.CreateCards(ctx, t, 200)
		if err != nil {
			return nil, fmt.Errorf("prepare reveal: %w", err)
		}
		return bench.Reveal(t, ids), nil
	case "reveal-pcivault":
		u, err := p.pciUser(ctx)
		if err != nil {
			return nil, err
		}
		entries, err := bench.StorePCIVaultEntries(ctx, t, u, 200)
		if err != nil {
			return nil, fmt.Errorf("prepare reveal-pcivault: %w", err)
		}
		return bench.RevealPCIVault(t, u, entries), nil
	case "capture":
		u, err := p.pciUser(ctx)
		if err != nil {
			return nil, err
		}
		// Enough endpoints (100 posts each) for 2,000 captures/s.
		n := max(p.workers, int(p.duration.Seconds()*2000/100))
		eps, err := bench.CaptureEndpoints(ctx, t, u, n)
		if err != nil {
			return nil, fmt.Errorf("prepare capture: %w", err)
		}
		return bench.Capture(t, u, eps), nil
	}
	return nil, usageError(fmt.Sprintf("bench: unknown scenario %q (known: %s)", name, strings.Join(scenarioNames, ", ")))
}

// residentBytes reads a process's resident memory (VmRSS) from /proc; 0
// when unknown.
func residentBytes(pid int) int64 { return procStatusBytes(pid, "VmRSS:") }

// peakResidentBytes reads a process's peak resident memory (VmHWM).
func peakResidentBytes(pid int) int64 { return procStatusBytes(pid, "VmHWM:") }

// procStatusBytes reads one "Name: N kB" line of /proc/PID/status.
func procStatusBytes(pid int, field string) int64 {
	if pid <= 0 {
		return 0
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
