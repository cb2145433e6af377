// Package config loads cardvault's configuration from defaults, CARDVAULT_*
// environment variables and flags (flags win), validates all of it at once
// and renders a dump with secrets redacted.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/ratelimit"
)

// Config is the operator contract of `cardvault serve`.
type Config struct {
	Listen        string
	DataDir       string
	DatabaseURL   string
	MasterKey     string
	MasterKeyFile string
	// MasterKeyPrevious and MasterKeyPreviousFile give the master key being
	// rotated away from (cardvault rotate master).
	MasterKeyPrevious     string
	MasterKeyPreviousFile string
	// KEKProvider says where the current master key lives: env (the
	// master-key settings) or pkcs11 (the PKCS11* settings).
	KEKProvider      string
	PKCS11Module     string
	PKCS11TokenLabel string
	PKCS11PINFile    string
	PKCS11KeyLabel   string
	// PKCS11PreviousKeyLabel names the master key being rotated away from
	// when both live on the token.
	PKCS11PreviousKeyLabel string
	BootstrapAPIKey        string
	ForwardAllow           string
	// ForwardDefaults is "on" (the built-in PSP destinations are allowed
	// besides ForwardAllow) or "off".
	ForwardDefaults string
	BINTable        string
	Connectors      string
	TLSCert         string
	TLSKey          string
	MaxBody         int64
	LogLevel        string
	SecurityCodeTTL time.Duration
	// KeyRefresh is how often a node looks for new data key versions.
	KeyRefresh      time.Duration
	CleanupInterval time.Duration
	// WebhookPoll is how often this node looks for webhook deliveries due;
	// 0 means it sends none (other nodes do).
	WebhookPoll     time.Duration
	ShutdownTimeout time.Duration
	// Rate limits (see internal/ratelimit): per API key on every route, per
	// client address on every route, per API key on card-creating routes.
	RateLimit           ratelimit.Limit
	RateLimitIP         ratelimit.Limit
	RateLimitCardWrites ratelimit.Limit
	// TrustedProxies: comma-separated addresses/prefixes whose
	// X-Forwarded-For is believed (ratelimit.ParsePrefixes).
	TrustedProxies string
	// SuspendProbes, SuspendWindow and SuspendShortLived configure the
	// enumeration guard (vault.EnumerationLimits): a key that deletes
	// SuspendProbes cards within SuspendWindow, each within
	// SuspendShortLived of its creation, is suspended; 0 probes turns it off.
	SuspendProbes     int
	SuspendWindow     time.Duration
	SuspendShortLived time.Duration
	// Console is "on" to serve the operator console at /console.
	Console string
	// TSP names the network-token service provider; only "sandbox" exists.
	TSP            string
	APIKeyCacheTTL time.Duration
	// TenantCacheTTL is how long a node reuses a tenant's checked state
	// (disabled or not); 0 turns that cache off.
	TenantCacheTTL time.Duration
	PprofListen    string
	// KDFRuns bounds how many Argon2id passphrase derivations run at once
	// (KDFRunsOrDefault picks the default for 0).
	KDFRuns int
	// DrainDelay is how long /readyz answers 503 on SIGTERM before the listener closes.
	DrainDelay time.Duration
	// PublicURL is the scheme and host (no path) that links and session
	// base_url are built from; empty means "not configured" (see publicurl.go).
	PublicURL string
	// TrustHostHeader opts in to building links from the request's Host
	// header when PublicURL is empty.
	TrustHostHeader bool
}

// Default rate limits.
var (
	DefaultRateLimit           = ratelimit.Limit{Rate: 1000, Burst: 2000}
	DefaultRateLimitIP         = ratelimit.Limit{Rate: 2000, Burst: 4000}
	DefaultRateLimitCardWrites = ratelimit.Limit{Rate: 20, Burst: 100}
)

// option is one setting: its flag name, environment variable and help.
type option struct {
	name, usage string
	secret      bool
	bind        func(fs *flag.FlagSet, c *Config, name, usage string)
}

// Env returns the environment variable of an option: CARDVAULT_ and the
// flag name in upper case with dashes as underscores.
func Env(name string) string {
	return "CARDVAULT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func str(p func(*Config) *string, def string) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) { fs.StringVar(p(c), name, def, usage) }
}

func dur(p func(*Config) *time.Duration, def time.Duration) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) { fs.DurationVar(p(c), name, def, usage) }
}

func limit(p func(*Config) *ratelimit.Limit, def ratelimit.Limit) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) { *p(c) = def; fs.Var(p(c), name, usage) }
}

// options lists every setting, in the order --help shows them.
var options = []option{
	{name: "listen", usage: "address to listen on", bind: str(func(c *Config) *string { return &c.Listen }, "127.0.0.1:8080")},
	{name: "data-dir", usage: "directory of the embedded SQLite store (and of a generated master key file)", bind: str(func(c *Config) *string { return &c.DataDir }, "./cardvault-data")},
	{name: "database-url", usage: "PostgreSQL URL (postgres://…); when set, PostgreSQL replaces the embedded store", secret: true, bind: str(func(c *Config) *string { return &c.DatabaseURL }, "")},
	{name: "master-key", usage: "master key: base64 of 32 random bytes", secret: true, bind: str(func(c *Config) *string { return &c.MasterKey }, "")},
	{name: "master-key-file", usage: "file holding the master key (base64 of 32 bytes)", bind: str(func(c *Config) *string { return &c.MasterKeyFile }, "")},
	{name: "master-key-previous", usage: "the master key being rotated away from (base64), for cardvault rotate master and nodes serving during it", secret: true, bind: str(func(c *Config) *string { return &c.MasterKeyPrevious }, "")},
	{name: "master-key-previous-file", usage: "file holding the previous master key", bind: str(func(c *Config) *string { return &c.MasterKeyPreviousFile }, "")},
	{name: "kek-provider", usage: "where the master key lives: env (master-key or master-key-file) or pkcs11 (an HSM; needs a binary built with -tags pkcs11)", bind: str(func(c *Config) *string { return &c.KEKProvider }, "env")},
	{name: "pkcs11-module", usage: "path of the HSM vendor's PKCS#11 library", bind: str(func(c *Config) *string { return &c.PKCS11Module }, "")},
	{name: "pkcs11-token-label", usage: "label of the PKCS#11 token holding the master key", bind: str(func(c *Config) *string { return &c.PKCS11TokenLabel }, "")},
	{name: "pkcs11-pin-file", usage: "file holding the PKCS#11 user PIN", bind: str(func(c *Config) *string { return &c.PKCS11PINFile }, "")},
	{name: "pkcs11-key-label", usage: "label of the master key (AES-256, non-extractable) on the token", bind: str(func(c *Config) *string { return &c.PKCS11KeyLabel }, "cardvault-master")},
	{name: "pkcs11-previous-key-label", usage: "label of the previous master key on the same token, while rotating from it (cardvault rotate master)", bind: str(func(c *Config) *string { return &c.PKCS11PreviousKeyLabel }, "")},
	{name: "bootstrap-api-key", usage: "an admin API key with exactly this value exists after start (at least 32 characters)", secret: true, bind: str(func(c *Config) *string { return &c.BootstrapAPIKey }, "")},
	{name: "forward-allow", usage: "comma-separated forward destinations: host[:port], *.domain, or http://host:port for plain HTTP", bind: str(func(c *Config) *string { return &c.ForwardAllow }, "")},
	{name: "forward-defaults", usage: "on: also allow the built-in list of payment providers' API hosts (listed in docs/compat/guardian.md); off: only forward-allow", bind: str(func(c *Config) *string { return &c.ForwardDefaults }, "on")},
	{name: "bin-table", usage: "CSV file of BIN ranges for metadata inquiries (range start, range end, scheme, funding, issuer, country, segment, product code, product name, billing currency); default: the built-in test ranges", bind: str(func(c *Config) *string { return &c.BINTable }, "")},
	{name: "connectors", usage: "JSON file of PSP tokenization connectors (see docs/connectors/)", bind: str(func(c *Config) *string { return &c.Connectors }, "")},
	{name: "tls-cert", usage: "TLS certificate file (PEM); serve HTTPS when set with tls-key", bind: str(func(c *Config) *string { return &c.TLSCert }, "")},
	{name: "tls-key", usage: "TLS private key file (PEM)", bind: str(func(c *Config) *string { return &c.TLSKey }, "")},
	{name: "max-body", usage: "largest request body in bytes", bind: func(fs *flag.FlagSet, c *Config, name, usage string) { fs.Int64Var(&c.MaxBody, name, 1<<20, usage) }},
	{name: "log-level", usage: "debug, info, warn or error", bind: str(func(c *Config) *string { return &c.LogLevel }, "info")},
	{name: "security-code-ttl", usage: "how long a security code is held before it is deleted", bind: dur(func(c *Config) *time.Duration { return &c.SecurityCodeTTL }, 2*time.Hour)},
	{name: "key-refresh", usage: "how often a node looks for data key versions added by cardvault rotate data", bind: dur(func(c *Config) *time.Duration { return &c.KeyRefresh }, time.Minute)},
	{name: "cleanup-interval", usage: "how often expired data is deleted", bind: dur(func(c *Config) *time.Duration { return &c.CleanupInterval }, time.Minute)},
	{name: "webhook-poll", usage: "how often this node sends webhook deliveries that are due (see docs/webhooks.md); 0: this node sends none", bind: dur(func(c *Config) *time.Duration { return &c.WebhookPoll }, time.Second)},
	{name: "console", usage: "on: serve the operator console at /console (admin keys only); off by default", bind: str(func(c *Config) *string { return &c.Console }, "off")},
	{name: "tsp", usage: "network-token service provider: sandbox (the only one built in; every token it makes is marked sandbox)", bind: str(func(c *Config) *string { return &c.TSP }, "sandbox")},
	{name: "drain-delay", usage: "on SIGTERM, how long /readyz answers 503 (so load balancers stop sending) before the listener closes", bind: dur(func(c *Config) *time.Duration { return &c.DrainDelay }, 0)},
	{name: "shutdown-timeout", usage: "how long in-flight requests may take to finish on SIGTERM", bind: dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, 30*time.Second)},
	{name: "rate-limit", usage: "requests per API key, every route: COUNT/PERIOD[:BURST] (100/s:200, 300/1m) or off", bind: limit(func(c *Config) *ratelimit.Limit { return &c.RateLimit }, DefaultRateLimit)},
	{name: "rate-limit-ip", usage: "requests per client address (IPv6: per /64), every route: COUNT/PERIOD[:BURST] or off", bind: limit(func(c *Config) *ratelimit.Limit { return &c.RateLimitIP }, DefaultRateLimitIP)},
	{name: "rate-limit-card-writes", usage: "card-creating requests per API key: COUNT/PERIOD[:BURST] or off", bind: limit(func(c *Config) *ratelimit.Limit { return &c.RateLimitCardWrites }, DefaultRateLimitCardWrites)},
	{name: "suspend-probes", usage: "suspend an API key that deletes this many cards it created moments before (a search for card numbers) within suspend-window; 0 turns it off", bind: func(fs *flag.FlagSet, c *Config, name, usage string) { fs.IntVar(&c.SuspendProbes, name, 50, usage) }},
	{name: "suspend-window", usage: "how far back the enumeration guard counts short-lived cards per key", bind: dur(func(c *Config) *time.Duration { return &c.SuspendWindow }, time.Hour)},
	{name: "suspend-short-lived", usage: "a card deleted within this long of its creation counts toward suspend-probes", bind: dur(func(c *Config) *time.Duration { return &c.SuspendShortLived }, 10*time.Minute)},
	{name: "trusted-proxies", usage: "comma-separated proxy addresses or CIDR prefixes whose X-Forwarded-For names the client; default none", bind: str(func(c *Config) *string { return &c.TrustedProxies }, "")},
	{name: "api-key-cache-ttl", usage: "how long an API key read from the store is reused; a key revoked on another node works here at most this much longer (0 turns the cache off)", bind: dur(func(c *Config) *time.Duration { return &c.APIKeyCacheTTL }, 2*time.Second)},
	{name: "tenant-cache-ttl", usage: "how long a tenant's checked state (disabled or not) read from the store is reused; a tenant disabled on another node works here at most this much longer (0 turns the cache off)", bind: dur(func(c *Config) *time.Duration { return &c.TenantCacheTTL }, 2*time.Second)},
	{name: "kdf-runs", usage: "how many Argon2id passphrase derivations (PCI Vault keys, 64 MiB each) run at once; 16 more wait, others get 503 (0: half of GOMAXPROCS, 1 to 4)", bind: func(fs *flag.FlagSet, c *Config, name, usage string) { fs.IntVar(&c.KDFRuns, name, 0, usage) }},
	{name: "pprof-listen", usage: "loopback address (127.0.0.1:6060) on which to serve Go profiles (net/http/pprof); off when empty", bind: str(func(c *Config) *string { return &c.PprofListen }, "")},
	{name: "public-url", usage: "scheme and host clients reach the vault at (https://vault.example.com), used in links and session base_url; never taken from the Host header", bind: str(func(c *Config) *string { return &c.PublicURL }, "")},
	{name: "trust-host-header", usage: "build links from the request's Host header when public-url is unset (only behind a proxy that sets Host)", bind: func(fs *flag.FlagSet, c *Config, name, usage string) {
		fs.BoolVar(&c.TrustHostHeader, name, false, usage)
	}},
}

// Load parses args (flags) over getenv (CARDVAULT_* variables) over
// defaults. Help goes to out. Every problem found is reported at once.
func Load(cmd string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	for _, o := range options {
		o.bind(fs, &c, o.name, fmt.Sprintf("%s (env %s)", o.usage, Env(o.name)))
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: cardvault %s [flags]\n\nEvery flag can also be set by its environment variable; a flag wins.\n\n", cmd)
		fs.PrintDefaults()
	}
	var problems []error
	for _, o := range options {
		if v := getenv(Env(o.name)); v != "" {
			if err := fs.Set(o.name, v); err != nil {
				problems = append(problems, fmt.Errorf("%s: %v", Env(o.name), err))
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	problems = append(problems, c.validate()...)
	return c, errors.Join(problems...)
}

// validate reports every inconsistency in c.
func (c Config) validate() []error {
	var p []error
	if c.Listen == "" {
		p = append(p, errors.New("listen: must not be empty"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		p = append(p, errors.New("data-dir: must not be empty when no database-url is set"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		p = append(p, errors.New("database-url: must start with postgres:// or postgresql://"))
	}
	if c.MasterKey != "" && c.MasterKeyFile != "" {
		p = append(p, errors.New("master-key and master-key-file: set one, not both"))
	}
	p = append(p, c.validateKEK()...)
	if c.BootstrapAPIKey != "" && len(c.BootstrapAPIKey) < 32 {
		p = append(p, errors.New("bootstrap-api-key: must be at least 32 characters"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		p = append(p, errors.New("tls-cert and tls-key: set both or neither"))
	}
	if c.MaxBody < 1024 {
		p = append(p, errors.New("max-body: must be at least 1024 bytes"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Errorf("log-level: %q is not one of debug, info, warn, error", c.LogLevel))
	}
	if c.SecurityCodeTTL <= 0 || c.SecurityCodeTTL > 24*time.Hour {
		p = append(p, errors.New("security-code-ttl: must be between 1s and 24h"))
	}
	if c.CleanupInterval < time.Second {
		p = append(p, errors.New("cleanup-interval: must be at least 1s"))
	}
	if c.WebhookPoll != 0 && (c.WebhookPoll < 100*time.Millisecond || c.WebhookPoll > time.Hour) {
		p = append(p, errors.New("webhook-poll: must be 0 (off) or between 100ms and 1h"))
	}
	if c.Console != "on" && c.Console != "off" {
		p = append(p, fmt.Errorf("console: %q is not on or off", c.Console))
	}
	if c.TSP != "sandbox" {
		p = append(p, fmt.Errorf("tsp: %q is not a known network-token service provider (known: sandbox)", c.TSP))
	}
	if c.DrainDelay < 0 {
		p = append(p, errors.New("drain-delay: must not be negative"))
	}
	if c.ShutdownTimeout <= 0 {
		p = append(p, errors.New("shutdown-timeout: must be positive"))
	}
	if c.ForwardDefaults != "on" && c.ForwardDefaults != "off" {
		p = append(p, fmt.Errorf("forward-defaults: %q is not on or off", c.ForwardDefaults))
	}
	if c.SuspendProbes < 0 {
		p = append(p, errors.New("suspend-probes: must be 0 (off) or more"))
	}
	if c.SuspendWindow <= 0 || c.SuspendShortLived <= 0 {
		p = append(p, errors.New("suspend-window and suspend-short-lived: must be positive"))
	}
	if _, err := ratelimit.ParsePrefixes(c.TrustedProxies); err != nil {
		p = append(p, fmt.Errorf("trusted-proxies: %v", err))
	}
	if c.KDFRuns < 0 || c.KDFRuns > 64 {
		p = append(p, errors.New("kdf-runs: must be between 0 (automatic) and 64"))
	}
	if c.APIKeyCacheTTL < 0 || c.APIKeyCacheTTL > time.Minute {
		p = append(p, errors.New("api-key-cache-ttl: must be between 0 (off) and 1m"))
	}
	if c.TenantCacheTTL < 0 || c.TenantCacheTTL > time.Minute {
		p = append(p, errors.New("tenant-cache-ttl: must be between 0 (off) and 1m"))
	}
	if c.PprofListen != "" && !IsLoopback(c.PprofListen) {
		p = append(p, fmt.Errorf("pprof-listen: %q is not a loopback address (use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", c.PprofListen))
	}
	if c.PublicURL != "" {
		if err := checkPublicURL(c.PublicURL); err != nil {
			p = append(p, err)
		}
		if c.TrustHostHeader {
			p = append(p, errors.New("public-url and trust-host-header: set one, not both (public-url is the safe choice)"))
		}
	}
	return p
}

// ForwardDefaultsOn reports whether the built-in forward destinations are
// allowed.
func (c Config) ForwardDefaultsOn() bool { return c.ForwardDefaults == "on" }

// IsLoopback reports whether addr is host:port with a loopback host: an IP
// in 127.0.0.0/8 or ::1, or localhost. An empty host (every interface) is
// not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Dump renders the configuration as "name=value" lines with secrets
// replaced by "[set]" or "[unset]".
func (c Config) Dump() string {
	values := map[string]string{
		"listen": c.Listen, "data-dir": c.DataDir, "database-url": c.DatabaseURL, "master-key": c.MasterKey,
		"master-key-file": c.MasterKeyFile, "master-key-previous": c.MasterKeyPrevious,
		"master-key-previous-file": c.MasterKeyPreviousFile, "kek-provider": c.KEKProvider,
		"pkcs11-module": c.PKCS11Module, "pkcs11-token-label": c.PKCS11TokenLabel,
		"pkcs11-pin-file": c.PKCS11PINFile, "pkcs11-key-label": c.PKCS11KeyLabel,
		"pkcs11-previous-key-label": c.PKCS11PreviousKeyLabel, "bootstrap-api-key": c.BootstrapAPIKey, "forward-allow": c.ForwardAllow,
		"forward-defaults": c.ForwardDefaults,
		"bin-table":        c.BINTable, "connectors": c.Connectors,
		"tls-cert": c.TLSCert, "tls-key": c.TLSKey, "max-body": fmt.Sprint(c.MaxBody), "log-level": c.LogLevel,
		"security-code-ttl": c.SecurityCodeTTL.String(), "key-refresh": c.KeyRefresh.String(), "cleanup-interval": c.CleanupInterval.String(),
		"webhook-poll":     c.WebhookPoll.String(),
		"shutdown-timeout": c.ShutdownTimeout.String(), "rate-limit": c.RateLimit.String(),
		"rate-limit-ip": c.RateLimitIP.String(), "rate-limit-card-writes": c.RateLimitCardWrites.String(),
		"trusted-proxies": c.TrustedProxies, "suspend-probes": fmt.Sprint(c.SuspendProbes),
		"suspend-window": c.SuspendWindow.String(), "suspend-short-lived": c.SuspendShortLived.String(), "public-url": c.PublicURL,
		"trust-host-header": fmt.Sprint(c.TrustHostHeader), "console": c.Console, "tsp": c.TSP,
		"api-key-cache-ttl": c.APIKeyCacheTTL.String(), "tenant-cache-ttl": c.TenantCacheTTL.String(), "pprof-listen": c.PprofListen, "kdf-runs": fmt.Sprint(c.KDFRuns),
		"drain-delay": c.DrainDelay.String(),
	}
	var b strings.Builder
	for _, o := range options {
		v := values[o.name]
		if o.secret {
			v = map[bool]string{true: "[set]", false: "[unset]"}[v != ""]
		}
		fmt.Fprintf(&b, "%s=%s\n", o.name, v)
	}
	return b.String()
}

// KDFRunsOrDefault is KDFRuns, or when that is 0, half of GOMAXPROCS
// (each run of seal.DefaultKDFParams uses two threads), at least 1 and at
// most 4: each run holds 64 MiB, so the bound is what keeps memory flat
// under a burst of passphrase checks, and more runs than cores only queue
// inside the scheduler instead of here.
func (c Config) KDFRunsOrDefault() int {
	if c.KDFRuns > 0 {
		return c.KDFRuns
	}
	return max(1, min(runtime.GOMAXPROCS(0)/2, 4))
}
