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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc, store, err := openVault(ctx, c, log, reg)
	if err != nil {
		return err
	}
	defer store.Close()
	if c.BootstrapAPIKey != "" {
		if err := svc.EnsureBootstrapKey(ctx, c.BootstrapAPIKey); err != nil {
			return fmt.Errorf("bootstrap API key: %w", err)
		}
	}
	fs, err := facades(deps{vault: svc, audit: audit.New(svc.Store(), nil), log: log}, c)
	if err != nil {
		return err
	}
	handler := server.New(server.Config{Logger: log, Registry: reg, Ready: svc, MaxBody: c.MaxBody, Facades: fs})

	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
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
	defer stopCleaner()
	go svc.RunCleaner(cleanCtx, c.CleanupInterval)

	errc := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("listening", "addr", ln.Addr().String(), "tls", c.TLSCert != "", "store", storeName(c), "version", version)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// storeName names the configured store for the start-up log.
func storeName(c config.Config) string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}
