package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP series. Labels are route patterns, never raw paths,
// so no caller input (and so no card data) becomes a label.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// series keeps each label set's counter and histogram, so that a
	// request finds them with one map read instead of hashing its labels
	// into both vectors (and formatting its status code) every time. It is
	// as bounded as the labels: route patterns, known methods, status codes.
	series sync.Map // seriesKey → *series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// newMetrics registers the HTTP series on reg.
func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cardvault_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cardvault_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// observe records one finished request.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	k := seriesKey{route: route, method: knownMethod(method), status: status}
	s, ok := m.series.Load(k)
	if !ok {
		s, _ = m.series.LoadOrStore(k, &series{
			requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(k.route, k.method),
		})
	}
	s.(*series).requests.Inc()
	s.(*series).latency.Observe(d.Seconds())
}

// knownMethod bounds the method label to the standard methods.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
