package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"slices"
)

// Forward outcomes, the values of the outcome label of
// cardvault_forward_requests_total.
const (
	// ForwardOK: the upstream answered with a status below 500.
	ForwardOK = "ok"
	// ForwardUpstreamError: the upstream answered 5xx.
	ForwardUpstreamError = "upstream_error"
	// ForwardTimeout: the upstream did not answer in time.
	ForwardTimeout = "timeout"
	// ForwardRefused: the relay refused to dial (allowlist, SSRF guard).
	ForwardRefused = "refused"
	// ForwardError: the connection failed for another reason.
	ForwardError = "error"
)

// forwardOutcomes lists every outcome, pre-initialised per host so that a
// rate over a never-failing host is 0, not absent.
var forwardOutcomes = []string{ForwardOK, ForwardUpstreamError, ForwardTimeout, ForwardRefused, ForwardError}

// Webhook attempt outcomes, the values of the outcome label of
// cardvault_webhook_attempts_total.
const (
	// WebhookDelivered: the endpoint answered 2xx.
	WebhookDelivered = "delivered"
	// WebhookRetry: the attempt failed; another is scheduled.
	WebhookRetry = "retry"
	// WebhookGaveUp: the last allowed attempt failed; the delivery is failed.
	WebhookGaveUp = "gave_up"
)

var webhookOutcomes = []string{WebhookDelivered, WebhookRetry, WebhookGaveUp}

// OpsMetrics are the operational series that features other than the HTTP
// stack increment: rate limits, key suspensions, audit append failures,
// forwards by destination. (Key rotation progress is not here: rotation
// runs as its own process, so internal/rotate's collector reads it from
// the store.) The alert rules and
// dashboard in deploy/ refer to these names; a test keeps them in step.
// Every series exists (at zero) from start, so alerts never see "absent".
// A nil *OpsMetrics is valid and records nothing, so a feature may hold
// one before it is wired. No method takes caller input as a label value:
// hosts are the allowlist's own rules.
type OpsMetrics struct {
	rateLimited  prometheus.Counter
	suspensions  prometheus.Counter
	auditFails   prometheus.Counter
	forwards     *prometheus.CounterVec
	webhooks     *prometheus.CounterVec
	forwardHosts map[string]bool
}

// NewOpsMetrics registers the operational series on reg. hosts are the
// forward allowlist's rules in host:port form (a wildcard rule as written,
// "*.example.com:443"); they are the only values the host label takes.
func NewOpsMetrics(reg prometheus.Registerer, hosts []string) *OpsMetrics {
	m := &OpsMetrics{
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cardvault_rate_limited_requests_total",
			Help: "Requests refused with 429 because a rate limit was exceeded.",
		}),
		suspensions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cardvault_key_suspensions_total",
			Help: "API keys suspended automatically (repeated failures or abuse).",
		}),
		auditFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cardvault_audit_append_failures_total",
			Help: "Audit events that could not be appended to the chain (the request they audit failed).",
		}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cardvault_forward_requests_total",
			Help: "Forwarded requests by allowlist rule (host:port) and outcome (ok, upstream_error, timeout, refused, error).",
		}, []string{"host", "outcome"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cardvault_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome (delivered, retry, gave_up).",
		}, []string{"outcome"}),
		forwardHosts: map[string]bool{},
	}
	reg.MustRegister(m.rateLimited, m.suspensions, m.auditFails, m.forwards, m.webhooks)
	for _, o := range webhookOutcomes {
		m.webhooks.WithLabelValues(o)
	}
	for _, h := range hosts {
		m.forwardHosts[h] = true
		for _, o := range forwardOutcomes {
			m.forwards.WithLabelValues(h, o)
		}
	}
	return m
}

// WebhookAttempt counts one webhook delivery attempt by outcome; an
// unknown outcome is ignored.
func (m *OpsMetrics) WebhookAttempt(outcome string) {
	if m != nil && slices.Contains(webhookOutcomes, outcome) {
		m.webhooks.WithLabelValues(outcome).Inc()
	}
}

// RateLimited counts one request refused by a rate limit.
func (m *OpsMetrics) RateLimited() {
	if m != nil {
		m.rateLimited.Inc()
	}
}

// KeySuspended counts one API key suspended automatically.
func (m *OpsMetrics) KeySuspended() {
	if m != nil {
		m.suspensions.Inc()
	}
}

// AuditAppendFailed counts one audit event that could not be stored.
func (m *OpsMetrics) AuditAppendFailed() {
	if m != nil {
		m.auditFails.Inc()
	}
}

// Forwarded counts one forward through the allowlist rule host (host:port
// as given to NewOpsMetrics) with one of the Forward* outcomes. A host that
// is not a rule is counted as "other", so the label stays bounded.
func (m *OpsMetrics) Forwarded(host, outcome string) {
	if m == nil {
		return
	}
	if !m.forwardHosts[host] {
		host = "other"
	}
	switch outcome {
	case ForwardOK, ForwardUpstreamError, ForwardTimeout, ForwardRefused:
	default:
		outcome = ForwardError
	}
	m.forwards.WithLabelValues(host, outcome).Inc()
}
