package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/cardvault/cardvault/internal/config"
)

// servePprof serves Go's profiles (net/http/pprof) on their own listener at
// addr, which must be a loopback address, until stop is called. An empty
// addr serves nothing. /debug/pprof/cmdline is left out on purpose: the
// command line may carry secrets given as flags.
func servePprof(addr string, log *slog.Logger) (bound string, stop func(), err error) {
	if addr == "" {
		return "", func() {}, nil
	}
	if !config.IsLoopback(addr) {
		return "", nil, fmt.Errorf("pprof-listen: %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("pprof-listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() { // "localhost" resolved elsewhere
		ln.Close()
		return "", nil, fmt.Errorf("pprof-listen: %q is bound to %s, not a loopback address", addr, ln.Addr())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/cmdline", http.NotFound)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	log.Warn("serving Go profiles (pprof) on a loopback listener", "addr", ln.Addr().String())
	return ln.Addr().String(), func() { srv.Close() }, nil
}
