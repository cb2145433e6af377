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
		total:   prometheus.NewDesc("cardvault_rotation_total", "Items the running or last key rotation has to move (equal to done once it finished).", labels, nil),
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
	// A finished rotation has nothing left, whatever its first count
	// said (cards deleted meanwhile): total - done is what remains, and
	// the stall alert must not fire on a rotation that completed.
	if st.Finished {
		st.Total = st.Done
	}
	ch <- prometheus.MustNewConstMetric(c.done, prometheus.GaugeValue, float64(st.Done), st.Kind)
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(st.Total), st.Kind)
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, running, st.Kind)
}
