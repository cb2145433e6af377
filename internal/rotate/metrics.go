package rotate

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/vault"
)

// Collector exports the progress of the running (or last) rotation, read
// from the store at each scrape, so that every node's /metrics shows a
// rotation run by `cardvault rotate` anywhere.
type Collector struct {
	ctx     context.Context
	store   vault.Store
	now     func() time.Time
	done    *prometheus.Desc
	total   *prometheus.Desc
	running *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector reading store; ctx bounds its reads
// (the server's lifetime).
func NewCollector(ctx context.Context, store vault.Store) *Collector {
	labels := []string{"kind"}
	return &Collector{ctx: ctx, store: store, now: time.Now,
		done:    prometheus.NewDesc("cardvault_rotation_done", "Items (wrapped keys, or cards and records) the running or last key rotation has moved (for data: in its current tenant).", labels, nil),
		total:   prometheus.NewDesc("cardvault_rotation_total", "Items the running or last key rotation has to move.", labels, nil),
		running: prometheus.NewDesc("cardvault_rotation_running", "1 while a key rotation holds its lease.", labels, nil),
	}
}

// Describe sends the descriptors.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.done
	ch <- c.total
	ch <- c.running
}

// Collect reads the rotation lock; nothing is sent when no rotation ever
// ran or the store does not answer within two seconds.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
	defer cancel()
	st, err := Current(ctx, c.store)
	if err != nil || st.Kind == "" {
		return
	}
	running := 0.0
	if st.Holder != "" && !st.Finished && st.Until.After(c.now()) {
		running = 1
	}
	ch <- prometheus.MustNewConstMetric(c.done, prometheus.GaugeValue, float64(st.Done), st.Kind)
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(st.Total), st.Kind)
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, running, st.Kind)
}

// Watch reads the rotation lock every interval until ctx ends and reports
// the running (or last) rotation's progress: how many items it moved
// since the last look and how many are left (0 once it finished). A
// rotation runs as a command on any machine, so this is how every node's
// cardvault_rotation_pending_records and _resealed_records_total (and the
// stalled-rotation alert built on them) follow it.
func Watch(ctx context.Context, store vault.Store, every time.Duration, report func(kind string, resealed, pending int)) {
	var w watcher
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		w.look(ctx, store, report)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watcher remembers the last status Watch saw.
type watcher struct {
	run  string
	done int
}

// look reads the lock once and reports the change since the last look.
func (w *watcher) look(ctx context.Context, store vault.Store, report func(kind string, resealed, pending int)) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := Current(ctx, store)
	if err != nil || st.Kind == "" {
		return
	}
	moved := st.Done - w.done
	if st.Run != w.run || moved < 0 {
		moved = st.Done // a new rotation, or the next tenant of this one
		if w.run == "" {
			moved = 0 // first look: what ran before this node started is not counted
		}
	}
	pending := max(st.Total-st.Done, 0)
	if st.Finished {
		pending = 0
	}
	w.run, w.done = st.Run, st.Done
	report(st.Kind, moved, pending)
}
