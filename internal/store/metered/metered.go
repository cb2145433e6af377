// Package metered wraps a vault.Store so that every call's latency and
// outcome is recorded in Prometheus, labelled by operation name only.
package metered

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/vault"
)

// Store is a vault.Store that times every call of the store it wraps.
type Store struct {
	next    vault.Store
	latency *prometheus.HistogramVec
}

var _ vault.Store = (*Store)(nil)

// New wraps next and registers its series on reg.
func New(next vault.Store, reg prometheus.Registerer) *Store {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cardvault_store_operation_duration_seconds",
		Help:    "Store call latency by operation and outcome (ok, not_found, conflict, error).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"op", "outcome"})
	reg.MustRegister(h)
	return &Store{next: next, latency: h}
}

// with returns a Store with the same series over another store (a transaction).
func (s *Store) with(next vault.Store) *Store { return &Store{next: next, latency: s.latency} }

// observe records one call.
func (s *Store) observe(op string, start time.Time, err error) {
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, vault.ErrNotFound):
		outcome = "not_found"
	case errors.Is(err, vault.ErrConflict):
		outcome = "conflict"
	default:
		outcome = "error"
	}
	s.latency.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
}

// timed runs a call that returns a value and records it.
func timed[T any](s *Store, op string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	s.observe(op, start, err)
	return v, err
}

// timedErr runs a call that returns only an error and records it.
func timedErr(s *Store, op string, f func() error) error {
	start := time.Now()
	err := f()
	s.observe(op, start, err)
	return err
}

// Tx times the whole transaction and the calls inside it.
func (s *Store) Tx(ctx context.Context, fn func(vault.Store) error) error {
	return timedErr(s, "tx", func() error {
		return s.next.Tx(ctx, func(tx vault.Store) error { return fn(s.with(tx)) })
	})
}

// Ping times a reachability check.
func (s *Store) Ping(ctx context.Context) error {
	return timedErr(s, "ping", func() error { return s.next.Ping(ctx) })
}
