package sqlite

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// commitStats counts what the group committer does, for /metrics: enough to
// tell from a production node why a write's latency is what it is (how many
// calls share a commit, how long the serial section and the sync take, how
// long calls queue for a group). Updated with a few atomic adds per group;
// the queue wait is observed by each caller, off the committer's goroutine.
type commitStats struct {
	groups, jobs         atomic.Int64
	stmtNanos, syncNanos atomic.Int64 // wall time: the group's statements; its COMMIT
	groupSize, queueWait prometheus.Histogram
	descGroups, descJobs *prometheus.Desc
	descBusy             *prometheus.Desc
}

// newCommitStats returns zeroed statistics.
func newCommitStats() *commitStats {
	return &commitStats{
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cardvault_sqlite_commit_group_size",
			Help:    "Transactions (Tx calls) per group commit of the SQLite store.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 48, 64},
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cardvault_sqlite_commit_queue_wait_seconds",
			Help:    "Time a transaction of the SQLite store waited for its group commit to begin.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		descGroups: prometheus.NewDesc("cardvault_sqlite_commit_groups_total",
			"Group commits of the SQLite store (one COMMIT and one sync each).", nil, nil),
		descJobs: prometheus.NewDesc("cardvault_sqlite_commit_transactions_total",
			"Transactions (Tx calls) run by the SQLite store's group commits.", nil, nil),
		descBusy: prometheus.NewDesc("cardvault_sqlite_commit_busy_seconds_total",
			"Wall time the SQLite store's committer spent running the statements of its groups (phase=statements) and committing them (phase=commit, the sync included).",
			[]string{"phase"}, nil),
	}
}

// group records one group of n transactions.
func (s *commitStats) group(n int, stmts, sync time.Duration) {
	s.groups.Add(1)
	s.jobs.Add(int64(n))
	s.stmtNanos.Add(int64(stmts))
	s.syncNanos.Add(int64(sync))
	s.groupSize.Observe(float64(n))
}

// Collector returns the collector of the store's group-commit metrics
// (cardvault_sqlite_commit_*), to be registered once.
func (db *DB) Collector() prometheus.Collector { return db.group.stats }

var _ prometheus.Collector = (*commitStats)(nil)

// Describe sends the descriptors.
func (s *commitStats) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.descGroups
	ch <- s.descJobs
	ch <- s.descBusy
	s.groupSize.Describe(ch)
	s.queueWait.Describe(ch)
}

// Collect sends the current values.
func (s *commitStats) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(s.descGroups, prometheus.CounterValue, float64(s.groups.Load()))
	ch <- prometheus.MustNewConstMetric(s.descJobs, prometheus.CounterValue, float64(s.jobs.Load()))
	ch <- prometheus.MustNewConstMetric(s.descBusy, prometheus.CounterValue,
		time.Duration(s.stmtNanos.Load()).Seconds(), "statements")
	ch <- prometheus.MustNewConstMetric(s.descBusy, prometheus.CounterValue,
		time.Duration(s.syncNanos.Load()).Seconds(), "commit")
	s.groupSize.Collect(ch)
	s.queueWait.Collect(ch)
}
