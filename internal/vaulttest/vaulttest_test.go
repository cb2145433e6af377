package vaulttest

import "testing"

func TestContainsSecret(t *testing.T) {
	for _, tc := range []struct {
		log, secret string
		want        bool
	}{
		{`{"cvv":"9753"}`, "9753", true},
		{`code=9753 next`, "9753", true},
		{`"security_code": 9753}`, "9753", true},
		{`"time":"2026-11-23T14:52:39.975312Z"`, "9753", false},
		{`"duration_ms":0.9753,`, "9753", false},
		{`"request_id":"req_a9753f"`, "9753", false},
		{`"path":"/cards/4111111111111111"`, "4111111111111111", true},
	} {
		if got := ContainsSecret(tc.log, tc.secret); got != tc.want {
			t.Errorf("ContainsSecret(%q, %q) = %v, want %v", tc.log, tc.secret, got, tc.want)
		}
	}
}

func TestWithLuhn(t *testing.T) {
	for prefix, want := range map[string]string{"411111111111111": "4111111111111111", "555555555555444": "5555555555554444", "37828224631000": "378282246310005"} {
		if got := WithLuhn(prefix); got != want {
			t.Errorf("WithLuhn(%q) = %q, want %q", prefix, got, want)
		}
	}
}
