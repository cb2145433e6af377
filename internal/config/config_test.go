package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFlagsWinOverEnvironment(t *testing.T) {
	c, err := Load("serve", []string{"--listen=127.0.0.1:9999"}, getenv(map[string]string{
		"CARDVAULT_LISTEN":            "0.0.0.0:1",
		"CARDVAULT_DATA_DIR":          "/tmp/x",
		"CARDVAULT_SECURITY_CODE_TTL": "30m",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.DataDir != "/tmp/x" || c.SecurityCodeTTL != 30*time.Minute {
		t.Fatalf("got %+v", c)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "./cardvault-data" || c.MaxBody != 1<<20 {
		t.Fatalf("defaults %+v", c)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := Load("serve", []string{"--tls-cert=x"}, getenv(map[string]string{
		"CARDVAULT_DATABASE_URL":      "mysql://x",
		"CARDVAULT_MASTER_KEY":        "a",
		"CARDVAULT_MASTER_KEY_FILE":   "b",
		"CARDVAULT_SECURITY_CODE_TTL": "forever",
	}), io.Discard)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"database-url", "master-key and master-key-file", "tls-cert and tls-key", "CARDVAULT_SECURITY_CODE_TTL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestDumpRedactsSecrets(t *testing.T) {
	c := Config{DatabaseURL: "postgres://u:pw@h/db", MasterKey: "c2VjcmV0", BootstrapAPIKey: "boot-secret", Listen: "x"}
	d := c.Dump()
	for _, secret := range []string{"pw@h", "c2VjcmV0", "boot-secret"} {
		if strings.Contains(d, secret) {
			t.Errorf("dump shows %q:\n%s", secret, d)
		}
	}
	if !strings.Contains(d, "database-url=[set]") || !strings.Contains(d, "tls-cert=\n") || !strings.Contains(d, "listen=x") {
		t.Errorf("dump:\n%s", d)
	}
}

func TestRateLimits(t *testing.T) {
	c, err := Load("serve", []string{"--rate-limit-card-writes=off"}, getenv(map[string]string{
		"CARDVAULT_RATE_LIMIT":      "300/1m:10",
		"CARDVAULT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimit.Rate != 5 || c.RateLimit.Burst != 10 || !c.RateLimitCardWrites.Off() || c.RateLimitIP != DefaultRateLimitIP {
		t.Fatalf("limits %+v %+v %+v", c.RateLimit, c.RateLimitCardWrites, c.RateLimitIP)
	}
	if d := c.Dump(); !strings.Contains(d, "rate-limit=5/s:10\n") || !strings.Contains(d, "rate-limit-card-writes=off\n") {
		t.Errorf("dump:\n%s", d)
	}
	_, err = Load("serve", nil, getenv(map[string]string{
		"CARDVAULT_RATE_LIMIT_IP":   "fast",
		"CARDVAULT_TRUSTED_PROXIES": "proxy.example",
	}), io.Discard)
	for _, want := range []string{"CARDVAULT_RATE_LIMIT_IP", "trusted-proxies"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestPprofListenOnlyOnLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "127.1.2.3:0": true, "[::1]:6060": true, "localhost:6060": true,
		":6060": false, "0.0.0.0:6060": false, "[::]:6060": false, "10.0.0.5:6060": false,
		"example.com:6060": false, "127.0.0.1": false,
	} {
		_, err := Load("serve", nil, getenv(map[string]string{"CARDVAULT_PPROF_LISTEN": addr}), io.Discard)
		if (err == nil) != ok {
			t.Errorf("CARDVAULT_PPROF_LISTEN=%q: err %v, want accepted %v", addr, err, ok)
		}
	}
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil || c.PprofListen != "" {
		t.Fatalf("pprof is on by default (%q) or defaults fail: %v", c.PprofListen, err)
	}
}

func TestCacheTTLBounds(t *testing.T) {
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil || c.APIKeyCacheTTL != 2*time.Second || c.TenantCacheTTL != 2*time.Second {
		t.Fatalf("default api-key-cache-ttl %s, tenant-cache-ttl %s, %v", c.APIKeyCacheTTL, c.TenantCacheTTL, err)
	}
	for _, name := range []string{"CARDVAULT_API_KEY_CACHE_TTL", "CARDVAULT_TENANT_CACHE_TTL"} {
		for v, ok := range map[string]bool{"0s": true, "500ms": true, "1m": true, "2m": false, "-1s": false} {
			_, err := Load("serve", nil, getenv(map[string]string{name: v}), io.Discard)
			if (err == nil) != ok {
				t.Errorf("%s=%s: err %v, want accepted %v", name, v, err, ok)
			}
		}
	}
}

func TestKDFRuns(t *testing.T) {
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil || c.KDFRuns != 0 || c.KDFRunsOrDefault() < 1 || c.KDFRunsOrDefault() > 4 {
		t.Fatalf("default kdf-runs %d (%d), %v", c.KDFRuns, c.KDFRunsOrDefault(), err)
	}
	for v, ok := range map[string]bool{"0": true, "1": true, "64": true, "65": false, "-1": false, "x": false} {
		c, err := Load("serve", nil, getenv(map[string]string{"CARDVAULT_KDF_RUNS": v}), io.Discard)
		if (err == nil) != ok {
			t.Errorf("CARDVAULT_KDF_RUNS=%s: err %v, want accepted %v", v, err, ok)
		}
		if v == "1" && c.KDFRunsOrDefault() != 1 {
			t.Errorf("CARDVAULT_KDF_RUNS=1 gives %d runs", c.KDFRunsOrDefault())
		}
	}
}

func TestPublicURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://vault.example.com":       true,
		"https://vault.example.com/":      true,
		"http://127.0.0.1:8080":           true,
		"vault.example.com":               false,
		"ftp://vault.example.com":         false,
		"https://":                        false,
		"https://user:pw@vault.example":   false,
		"https://vault.example.com/path":  false,
		"https://vault.example.com/?a=b":  false,
		"https://vault.example.com#frag":  false,
		"https://vault.example.com:99999": true, // url.Parse accepts; the port is the operator's
	} {
		c, err := Load("serve", nil, getenv(map[string]string{"CARDVAULT_PUBLIC_URL": raw}), io.Discard)
		if (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", raw, err, ok)
		}
		if ok && c.PublicBase() != strings.TrimSuffix(raw, "/") {
			t.Errorf("%q: base %q", raw, c.PublicBase())
		}
	}
	c, err := Load("serve", []string{"--trust-host-header"}, getenv(nil), io.Discard)
	if err != nil || !c.TrustHostHeader || c.PublicURL != "" {
		t.Fatalf("trust-host-header alone: %+v %v", c, err)
	}
	_, err = Load("serve", nil, getenv(map[string]string{"CARDVAULT_PUBLIC_URL": "https://v.example", "CARDVAULT_TRUST_HOST_HEADER": "true"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "set one, not both") {
		t.Fatalf("both set: %v", err)
	}
	if c.Dump() == "" || !strings.Contains(c.Dump(), "trust-host-header=true") {
		t.Errorf("dump:\n%s", c.Dump())
	}
}

// TestForwardDefaults: the built-in PSP destinations are on unless
// CARDVAULT_FORWARD_DEFAULTS=off; any other value is refused.
func TestForwardDefaults(t *testing.T) {
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil || !c.ForwardDefaultsOn() {
		t.Fatalf("default: on=%v, %v", c.ForwardDefaultsOn(), err)
	}
	c, err = Load("serve", nil, getenv(map[string]string{"CARDVAULT_FORWARD_DEFAULTS": "off"}), io.Discard)
	if err != nil || c.ForwardDefaultsOn() || !strings.Contains(c.Dump(), "forward-defaults=off") {
		t.Fatalf("off: on=%v, %v", c.ForwardDefaultsOn(), err)
	}
	for _, bad := range []string{"false", "no", "OFF "} {
		if _, err := Load("serve", []string{"--forward-defaults=" + bad}, getenv(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "forward-defaults") {
			t.Errorf("%q: %v, want a forward-defaults error", bad, err)
		}
	}
}

// TestTSP: the network-token provider is the sandbox unless configured;
// a name cardvault has no provider for stops the start with a clear error.
func TestTSP(t *testing.T) {
	c, err := Load("serve", nil, getenv(nil), io.Discard)
	if err != nil || c.TSP != "sandbox" || !strings.Contains(c.Dump(), "tsp=sandbox") {
		t.Fatalf("default: %q, %v", c.TSP, err)
	}
	for _, bad := range []string{"visa", "Sandbox", "mdes"} {
		_, err := Load("serve", nil, getenv(map[string]string{"CARDVAULT_TSP": bad}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not a known network-token service provider") {
			t.Errorf("%q: %v, want a tsp error", bad, err)
		}
	}
}
