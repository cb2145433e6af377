package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/apidoc"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/console"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
)

// surfaces builds the operator surfaces mounted beside the APIs: the
// operational metrics every feature reports to and the OpenAPI documents
// with their reference pages, and the operator console when
// CARDVAULT_CONSOLE=on. It returns the extra facades to mount after
// the API facades.
func surfaces(ctx context.Context, d deps, c config.Config, reg *prometheus.Registry) ([]server.Facade, error) {
	hosts, err := forwardHosts(c.ForwardAllow)
	if err != nil {
		return nil, err
	}
	// The operational series exist from start (at zero) so that the alert
	// rules in deploy/ see them. No feature reports to them yet: when rate
	// limits, key suspensions, the relay, the audit log and rotation do,
	// build this in deps (facades.go) and pass it to them.
	_ = server.NewOpsMetrics(reg, hosts)
	docs, err := apidoc.New(ctx)
	if err != nil {
		return nil, err
	}
	out := []server.Facade{docs}
	if c.Console == "on" {
		out = append(out, console.New(console.Deps{Keys: d.vault, Audit: d.audit, Metrics: reg, Logger: d.log}, console.Options{}))
		d.log.Info("operator console enabled", "path", console.Prefix)
	}
	return out, nil
}

// forwardHosts lists the allowlist's rules as host:port, the values of the
// host label of cardvault_forward_requests_total.
func forwardHosts(spec string) ([]string, error) {
	allow, err := forward.ParseAllowlist(spec)
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
