package forward

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestOutcomeDetail checks the audit detail of each kind of forward result.
func TestOutcomeDetail(t *testing.T) {
	ok := OutcomeDetail("api.example", &Response{Status: 201, Latency: 1500 * time.Millisecond}, nil)
	if len(ok) != 3 || ok["destination_host"] != "api.example" || ok["status"] != "201" || ok["latency_ms"] != "1500" {
		t.Fatalf("answered forward: %v", ok)
	}
	up := OutcomeDetail("api.example", nil, fmt.Errorf("relay: %w", &UpstreamError{Kind: UpstreamTimeout, Host: "api.example"}))
	if len(up) != 2 || up["error"] != "timeout" {
		t.Fatalf("upstream timeout: %v", up)
	}
	refused := OutcomeDetail("api.example", nil, errors.New("not on the allowlist"))
	if len(refused) != 2 || refused["error"] != "refused" {
		t.Fatalf("refused forward: %v", refused)
	}
}
