package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestOpsMetricsBoundLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewOpsMetrics(reg, []string{"api.psp.example:443"})
	m.Forwarded("api.psp.example:443", ForwardTimeout)
	m.Forwarded("attacker-chosen.example:443", "weird")
	m.RateLimited()
	m.KeySuspended()
	m.AuditAppendFailed()
	m.WebhookAttempt(WebhookRetry)
	m.WebhookAttempt("attacker-chosen")

	if got := testutil.ToFloat64(m.forwards.WithLabelValues("api.psp.example:443", ForwardTimeout)); got != 1 {
		t.Errorf("timeout forwards = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.forwards.WithLabelValues("other", ForwardError)); got != 1 {
		t.Errorf("a host outside the allowlist and an unknown outcome must count as other/error, got %v", got)
	}
	if got := testutil.ToFloat64(m.webhooks.WithLabelValues(WebhookRetry)); got != 1 {
		t.Errorf("webhook retries = %v, want 1", got)
	}
	// Every series exists from start: 1 host x 5 outcomes + other/error, 3 counters,
	// 3 webhook outcomes (an unknown outcome adds none).
	if n := testutil.CollectAndCount(reg); n != 5+1+3+3 {
		t.Errorf("series = %d, want %d", n, 5+1+3+3)
	}
	var none *OpsMetrics
	none.RateLimited()
	none.Forwarded("x", ForwardOK)
	none.WebhookAttempt(WebhookDelivered)
}
