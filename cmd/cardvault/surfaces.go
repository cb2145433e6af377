package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/apidoc"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/console"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/consolesessions"
	"github.com/cardvault/cardvault/internal/vault/forms"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// surfaces builds the operator surfaces mounted beside the APIs: the
// operational metrics every feature reports to, the OpenAPI documents with
// their reference pages, and the operator console when CARDVAULT_CONSOLE=on.
// It runs before the facades are built: it makes d.audit count the audit
// events that cannot be appended. It returns the extra facades to mount
// after the API facades.
func surfaces(ctx context.Context, d *deps, auditLog *audit.Log, c config.Config, reg *prometheus.Registry) ([]server.Facade, error) {
	hosts, err := forwardHosts(c.ForwardAllow, c.ForwardDefaultsOn())
	if err != nil {
		return nil, err
	}
	// The operational series exist from start (at zero) so that the alert
	// rules in deploy/ see them. Audit append failures are counted here;
	// rate-limit refusals (limits.go) and key suspensions (alarm.go)
	// report through d.ops; rotation progress is not among them: every
	// node reads it from the store's rotation lock at each scrape
	// (rotate.Collector), since `cardvault rotate` runs as its own process.
	ops := server.NewOpsMetrics(reg, hosts)
	d.ops = ops
	d.audit = countedRecorder{next: d.audit, ops: ops}
	docs, err := apidoc.New(ctx)
	if err != nil {
		return nil, err
	}
	out := []server.Facade{docs}
	if c.Console == "on" {
		// The console only reads endpoints and deliveries (no relay needed);
		// the service that sends them is built with the facades.
		hooks := webhooks.New(d.vault, nil, d.log, webhooks.Options{})
		rules, err := forward.Rules(c.ForwardAllow, c.ForwardDefaultsOn())
		if err != nil {
			return nil, fmt.Errorf("forward-allow: %w", err)
		}
		allow := make([]console.AllowRule, len(rules))
		for i, r := range rules {
			allow[i] = console.AllowRule{Rule: r.Rule, Provider: r.Provider}
		}
		out = append(out, console.New(console.Deps{Allowlist: allow, Keys: d.vault, Tenants: d.vault, Forms: forms.New(d.vault), Webhooks: hooks,
			Previews: pv.New(d.vault, pv.Options{}), NetworkTokens: d.networkTokens,
			Sessions: consolesessions.New(d.vault, consolesessions.Options{}), Audit: countedLog{auditLog, d.audit}, Metrics: reg, Logger: d.log},
			console.Options{PublicURL: c.PublicURL}))
		d.log.Info("operator console enabled", "path", console.Prefix)
	}
	return out, nil
}

// countedRecorder counts the audit events that could not be appended (not
// those whose caller gave up waiting: they may still be written).
type countedRecorder struct {
	next api.Recorder
	ops  *server.OpsMetrics
}

// Record appends ev and counts a failure.
func (r countedRecorder) Record(ctx context.Context, ev audit.Event) error {
	err := r.next.Record(ctx, ev)
	if err != nil && ctx.Err() == nil {
		r.ops.AuditAppendFailed()
	}
	return err
}

// countedLog is the audit log the console reads, recording through the
// counting recorder.
type countedLog struct {
	*audit.Log
	rec api.Recorder
}

// Record appends ev through the counting recorder.
func (l countedLog) Record(ctx context.Context, ev audit.Event) error { return l.rec.Record(ctx, ev) }

// forwardHosts lists the allowlist's rules (with the default destinations
// when defaults is true) as host:port, the values of the host label of
// cardvault_forward_requests_total.
func forwardHosts(spec string, defaults bool) ([]string, error) {
	allow, err := forward.Destinations(spec, defaults)
	if err != nil {
		return nil, fmt.Errorf("forward-allow: %w", err)
	}
	var hosts []string
	for rule := range strings.SplitSeq(allow.String(), ",") {
		if _, host, ok := strings.Cut(rule, "://"); ok {
			hosts = append(hosts, host)
		}
	}
	return hosts, nil
}
