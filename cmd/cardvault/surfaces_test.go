package main

import (
	"context"
	"errors"
	"github.com/cardvault/cardvault/internal/forward"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
)

// failingRecorder fails every append.
type failingRecorder struct{}

func (failingRecorder) Record(context.Context, audit.Event) error { return errors.New("store down") }

func TestAuditAppendFailuresAreCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := countedRecorder{next: failingRecorder{}, ops: server.NewOpsMetrics(reg, nil)}
	if err := r.Record(context.Background(), audit.Event{Action: "card.reveal"}); err == nil {
		t.Fatal("the failure was swallowed")
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_ = r.Record(gone, audit.Event{Action: "card.reveal"}) // the caller gave up: not an append failure
	want := "# HELP cardvault_audit_append_failures_total Audit events that could not be appended to the chain (the request they audit failed).\n" +
		"# TYPE cardvault_audit_append_failures_total counter\ncardvault_audit_append_failures_total 1\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "cardvault_audit_append_failures_total"); err != nil {
		t.Error(err)
	}
}

func TestForwardHostsAreTheAllowlistRules(t *testing.T) {
	got, err := forwardHosts("api.stripe.com, *.adyen.com,http://127.0.0.1:9000", false)
	if err != nil || strings.Join(got, " ") != "api.stripe.com:443 *.adyen.com:443 127.0.0.1:9000" {
		t.Errorf("forwardHosts = %q, %v", got, err)
	}
	if _, err := forwardHosts("ftp://x", true); err == nil {
		t.Error("a bad rule was accepted")
	}
	// With CARDVAULT_FORWARD_DEFAULTS on, the default destinations get a label too.
	got, err = forwardHosts("http://127.0.0.1:9000", true)
	if err != nil || !slices.Contains(got, "api.checkout.com:443") || !slices.Contains(got, "127.0.0.1:9000") ||
		len(got) != len(forward.DefaultDestinations)+1 {
		t.Errorf("forwardHosts with defaults = %q, %v", got, err)
	}
}
