package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/server"
)

// base64Key renders a key the way CARDVAULT_MASTER_KEY takes it.
func base64Key(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// serve runs the vault until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := config.Load("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, c.LogLevel)
	log.Info("configuration", "settings", c.Dump())
	gc := tuneGC(getenv, c.KDFRunsOrDefault())
	log.Info("garbage collector", "gogc", gcSetting(gc.Percent, "GOGC"), "gomemlimit", gcSetting(gc.Limit, "GOMEMLIMIT"))
	v, err := start(ctx, c, log, getenv)
	if err != nil {
		return err
	}
	select {
	case err := <-v.done:
		v.close()
		return err
	case <-ctx.Done():
	}
	v.drain(c.DrainDelay)
	log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout.String())
	return v.stop(c.ShutdownTimeout)
}

// running is a started vault server.
type running struct {
	addr    string
	srv     *http.Server
	handler *server.Server
	done    chan error
	close   func()
	log     *slog.Logger
}

// start opens the vault, binds the listener and serves in the background.
func start(ctx context.Context, c config.Config, log *slog.Logger, getenv func(string) string) (*running, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc, store, err := openVault(ctx, c, log, reg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*running, error) {
		store.Close()
		return nil, err
	}
	if c.BootstrapAPIKey != "" {
		if err := svc.EnsureBootstrapKey(ctx, c.BootstrapAPIKey); err != nil {
			return fail(fmt.Errorf("bootstrap API key: %w", err))
		}
	}
	auditLog := audit.New(svc.Store(), svc.MAC, svc.Keyring(), nil).WithPending(svc, 0, func(err error) {
		log.Error("pending audit events not linked", "err", err)
	})
	if c.DatabaseURL == "" {
		// The embedded store's group committer runs transactions in the
		// order they are asked for: audit batches may queue behind one
		// another (openStore picks it when no database URL is set).
		auditLog.InOrder()
	}
	// Cards are stored with their audit event as a pending record, which the
	// log links into the chain; first those a crash left (audit/pending.go).
	if err := auditLog.StartPending(ctx); err != nil {
		return fail(err)
	}
	svc.EnablePendingAudit(server.RequestIDFrom)
	auditIntegrityFailures(svc, auditLog, log)
	d := deps{vault: svc, audit: auditLog, log: log, getenv: getenv}
	if d.networkTokens, err = networkTokens(svc, c.TSP); err != nil {
		return fail(err)
	}
	extra, err := surfaces(ctx, &d, auditLog, c, reg)
	if err != nil {
		return fail(err)
	}
	d.outcomes = api.NewOutcomes(d.audit, log, maxOutcomes)
	if d.limits, err = rateLimits(c, d.ops); err != nil {
		return fail(err)
	}
	fs, hooks, err := facades(d, c)
	if err != nil {
		return fail(err)
	}
	var tokens cardTokens
	if d.networkTokens != nil {
		tokens = d.networkTokens
	}
	auditNotices(svc, d.audit, auditLog, d.ops, hooks, tokens)
	fs = append(fs, extra...)
	handler := server.New(server.Config{Logger: log, Registry: reg, Ready: svc, MaxBody: c.MaxBody, Facades: fs,
		AddrLimit: d.limits.addr, ClientAddr: d.limits.client})
	_, stopPprof, err := servePprof(c.PprofListen, log)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		stopPprof()
		return fail(err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	cleanCtx, stopCleaner := context.WithCancel(context.Background())
	go svc.RunCleaner(cleanCtx, c.CleanupInterval)
	go auditLog.RunLinker(cleanCtx, pendingSweep)
	if c.WebhookPoll > 0 {
		go hooks.Run(cleanCtx, c.WebhookPoll)
	}
	v := &running{addr: ln.Addr().String(), srv: srv, handler: handler, done: make(chan error, 1), log: log,
		close: func() {
			stopCleaner()
			stopPprof()
			// The last forwards' outcomes, then what the last requests left pending.
			outCtx, cancelOut := context.WithTimeout(context.Background(), 10*time.Second)
			if err := d.outcomes.Wait(outCtx); err != nil {
				log.Error("forward outcomes still being recorded at stop", "err", err)
			}
			cancelOut()
			// Link what the last requests left pending, so a stopped vault's
			// chain is whole (a crashed one's is linked at the next start).
			linkCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := auditLog.LinkNow(linkCtx); err != nil {
				log.Error("pending audit events left for the next start", "err", err)
			}
			cancel()
			store.Close()
		}}
	go func() {
		if c.TLSCert != "" {
			v.done <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			v.done <- srv.Serve(ln)
		}
	}()
	if p, ok := store.(interface{ BehindPooler() bool }); ok && p.BehindPooler() {
		log.Info("the database URL leads to a connection pooler: statements run unprepared " +
			"(pgx default_query_exec_mode=exec unless the URL sets one)")
	}
	log.Info("listening", "addr", v.addr, "tls", c.TLSCert != "", "store", storeName(c), "version", version)
	return v, nil
}

// pendingSweep is how often a node links every tenant's pending audit
// events, those its own requests did not signal (a crashed node's, or a
// card stored inside a caller's transaction).
const pendingSweep = 30 * time.Second

// drain turns /readyz to 503 and closes each connection after its next
// response, then keeps serving for delay, so that load balancers take the
// node out of rotation before its listener closes.
func (v *running) drain(delay time.Duration) {
	v.handler.Drain()
	if delay > 0 {
		v.log.Info("draining: /readyz answers 503, still serving", "drain_delay", delay.String())
		time.Sleep(delay)
	}
}

// stop stops accepting connections, lets in-flight requests (forwards
// waiting on a slow provider too) finish within timeout, then closes the
// store. Requests still running after timeout are cut off.
func (v *running) stop(timeout time.Duration) error {
	defer v.close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := v.srv.Shutdown(shutdownCtx); err != nil {
		_ = v.srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut off: %w", timeout, err)
	}
	if err := <-v.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	v.log.Info("stopped")
	return nil
}

// storeName names the configured store for the start-up log.
func storeName(c config.Config) string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}
