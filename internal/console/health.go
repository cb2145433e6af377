package console

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// healthData is the health page: counts since start from the /metrics
// registry, and rates over the process's uptime.
type healthData struct {
	Uptime                     string
	Requests, Errors4, Errors5 float64
	RequestRate, ErrorRate     float64
	ErrorShare                 float64
	Routes                     []routeRow
	Store                      []storeRow
}

type routeRow struct {
	Route          string
	Count, Errors5 float64
}

type storeRow struct {
	Op            string
	Count, Errors float64
	MeanMS, P99MS float64
}

// healthPage reads the registry and shows the vault's health.
func (c *Console) healthPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		families, err := c.d.Metrics.Gather()
		if err != nil {
			c.refuse(w, r, http.StatusInternalServerError, "The metrics could not be read.")
			return
		}
		up := c.d.Now().Sub(c.started)
		d := summarize(families, up)
		c.render(w, r, http.StatusOK, "health", view{Title: "Health", Nav: "health", Data: d})
	})
}

// summarize turns metric families into the health page.
func summarize(families []*dto.MetricFamily, up time.Duration) healthData {
	d := healthData{Uptime: up.Round(time.Second).String()}
	routes := map[string]*routeRow{}
	type acc struct {
		count, errs, sum float64
		buckets          map[float64]float64
	}
	ops := map[string]*acc{}
	for _, f := range families {
		switch f.GetName() {
		case "cardvault_http_requests_total":
			for _, m := range f.Metric {
				v := m.GetCounter().GetValue()
				route, status := label(m, "route"), label(m, "status")
				d.Requests += v
				rr := routes[route]
				if rr == nil {
					rr = &routeRow{Route: route}
					routes[route] = rr
				}
				rr.Count += v
				switch {
				case strings.HasPrefix(status, "5"):
					d.Errors5 += v
					rr.Errors5 += v
				case strings.HasPrefix(status, "4"):
					d.Errors4 += v
				}
			}
		case "cardvault_store_operation_duration_seconds":
			for _, m := range f.Metric {
				op := label(m, "op")
				a := ops[op]
				if a == nil {
					a = &acc{buckets: map[float64]float64{}}
					ops[op] = a
				}
				h := m.GetHistogram()
				a.count += float64(h.GetSampleCount())
				a.sum += h.GetSampleSum()
				if label(m, "outcome") == "error" {
					a.errs += float64(h.GetSampleCount())
				}
				for _, b := range h.Bucket {
					a.buckets[b.GetUpperBound()] += float64(b.GetCumulativeCount())
				}
			}
		}
	}
	if secs := up.Seconds(); secs > 0 {
		d.RequestRate = d.Requests / secs
		d.ErrorRate = d.Errors5 / secs
	}
	if d.Requests > 0 {
		d.ErrorShare = d.Errors5 / d.Requests
	}
	for _, rr := range routes {
		d.Routes = append(d.Routes, *rr)
	}
	slices.SortFunc(d.Routes, func(a, b routeRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Route, b.Route))
	})
	for op, a := range ops {
		row := storeRow{Op: op, Count: a.count, Errors: a.errs}
		if a.count > 0 {
			row.MeanMS = a.sum / a.count * 1000
			row.P99MS = quantile(0.99, a.buckets, a.count) * 1000
		}
		d.Store = append(d.Store, row)
	}
	slices.SortFunc(d.Store, func(a, b storeRow) int { return strings.Compare(a.Op, b.Op) })
	return d
}

// quantile estimates the q-quantile from cumulative buckets: the upper
// bound of the first bucket holding it (+Inf when beyond the last).
func quantile(q float64, buckets map[float64]float64, total float64) float64 {
	bounds := make([]float64, 0, len(buckets))
	for b := range buckets {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	for _, b := range bounds {
		if buckets[b] >= q*total {
			return b
		}
	}
	return math.Inf(1)
}

// label returns a metric's label value.
func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
