package forward_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
)

// publicDNS resolves every name to a public address (never dialled: these
// tests use Prepare, which resolves and checks but sends nothing).
func publicDNS(context.Context, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

func TestAllowRulesMatchDestinations(t *testing.T) {
	rules := "api.stripe.com, *.adyen.com, pay.example.com:8443, http://plain.example.com, https://[2606:4700::1111]:8443, 93.184.216.34"
	r := newRelay(t, rules, forward.Options{Resolver: publicDNS})
	tests := []struct {
		url   string
		allow bool
	}{
		{"https://api.stripe.com/v1/charges", true},
		{"https://API.STRIPE.COM./v1", true},
		{"https://api.stripe.com:443/v1", true},
		{"https://api.stripe.com:8443/v1", false}, // port not in the rule
		{"http://api.stripe.com/v1", false},       // https-only rule
		{"https://evilapi.stripe.com/", false},
		{"https://api.stripe.com.evil.com/", false},
		{"https://checkout-test.adyen.com/", true},
		{"https://a.b.adyen.com/", true},
		{"https://adyen.com/", false}, // wildcard excludes the apex
		{"https://evil-adyen.com/", false},
		{"https://pay.example.com:8443/", true},
		{"https://pay.example.com/", false},
		{"http://plain.example.com/x", true},
		{"https://plain.example.com/x", false}, // http rule allows http only
		{"http://plain.example.com:8080/x", false},
		{"https://[2606:4700::1111]:8443/", true},
		{"https://[2606:4700::1111]/", false},
		{"https://93.184.216.34/", true},
		{"https://93.184.216.35/", false},
		{"https://user:pw@api.stripe.com/", false},
		{"ftp://api.stripe.com/", false},
		{"//api.stripe.com/", false},
		{"api.stripe.com/v1", false},
		{"https://api.stripe.com:/v1", false},
		{"https://api.stripe.com:99999/", false},
		{"https://api.stripe.com/a b", false},
		{"https://api.stripe.com/\r\nx", false},
		{"https://127.1/", false},
		{"https://[fe80::1%25eth0]/", false},
	}
	for _, tt := range tests {
		_, err := r.Prepare(t.Context(), forward.Request{URL: tt.url})
		var re *forward.RefusedError
		switch {
		case tt.allow && err != nil:
			t.Errorf("%s refused: %v", tt.url, err)
		case !tt.allow && !errors.As(err, &re):
			t.Errorf("%s: err = %v, want *RefusedError", tt.url, err)
		}
	}
}

func TestEmptyAllowlistAllowsNothing(t *testing.T) {
	r := newRelay(t, "", forward.Options{Resolver: publicDNS})
	_, err := r.Prepare(t.Context(), forward.Request{URL: "https://api.stripe.com/"})
	var re *forward.RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "no forward destinations") {
		t.Fatalf("err = %v", err)
	}
	r2 := forward.NewRelay(nil, forward.Options{})
	if _, err := r2.Prepare(t.Context(), forward.Request{URL: "https://api.stripe.com/"}); !errors.As(err, &re) {
		t.Fatalf("nil allowlist: err = %v", err)
	}
}

func TestSpecialAddressesRefusedUnlessNamed(t *testing.T) {
	addrs := []struct{ addr, class string }{
		{"127.0.0.1", "loopback"},
		{"127.10.20.30", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private (unique local)"},
		{"fd12:3456::1", "private (unique local)"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"100.100.100.200", "shared (carrier-grade NAT)"},
		{"224.0.0.1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::7f00:1", "NAT64"},
		// NAT64 is refused whatever IPv4 address it embeds, public or not:
		// the well-known prefix (RFC 6052) and the local-use one (RFC 8215),
		// whose embedding depends on the prefix length the network chose.
		{"64:ff9b::a9fe:a9fe", "NAT64"},
		{"64:ff9b::808:808", "NAT64"},
		{"64:ff9b:1::a9fe:a9fe", "NAT64"},
		{"64:ff9b:1:a9fe:a9:fe00::", "NAT64"}, // 169.254.169.254 embedded after a /48
		{"64:ff9b:1:ffff::808:808", "NAT64"},
		// IPv4-translated (SIIT, RFC 2765): ::ffff:0:a.b.c.d.
		{"::ffff:0:a9fe:a9fe", "IPv4-translated"},
		{"::ffff:0:7f00:1", "IPv4-translated"},
		{"::ffff:0:808:808", "IPv4-translated"},
		{"2002:7f00:1::", "6to4"},
	}
	for _, tt := range addrs {
		t.Run(tt.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := forward.SpecialClass(a); got != tt.class {
				t.Errorf("SpecialClass = %q, want %q", got, tt.class)
			}
			dns := resolver(map[string]string{"psp.example.com": tt.addr})
			// A name rule alone: refused, whatever the name.
			r := newRelay(t, "psp.example.com:8443", forward.Options{Resolver: dns})
			_, err := r.Prepare(t.Context(), forward.Request{URL: "https://psp.example.com:8443/pay"})
			var re *forward.RefusedError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.class) {
				t.Fatalf("name rule: err = %v, want a %s refusal", err, tt.class)
			}
			if strings.Contains(re.Error(), tt.addr) && tt.addr != "::" {
				t.Errorf("refusal %q reveals the resolved address", re.Error())
			}
			// Named with another port or scheme: still refused.
			host := a.Unmap().String()
			if a.Unmap().Is6() {
				host = "[" + host + "]"
			}
			for _, other := range []string{"https://" + host + ":9999", "http://" + host + ":8443"} {
				r := newRelay(t, "psp.example.com:8443,"+other, forward.Options{Resolver: dns})
				if _, err := r.Prepare(t.Context(), forward.Request{URL: "https://psp.example.com:8443/pay"}); !errors.As(err, &re) {
					t.Errorf("rule %s unlocked port 8443 https: err = %v", other, err)
				}
			}
			// Named with the same scheme and port: allowed, by name and by address.
			r = newRelay(t, "psp.example.com:8443,"+host+":8443", forward.Options{Resolver: dns})
			for _, u := range []string{"https://psp.example.com:8443/pay", "https://" + host + ":8443/pay"} {
				if _, err := r.Prepare(t.Context(), forward.Request{URL: u}); err != nil {
					t.Errorf("%s with a rule naming the address: %v", u, err)
				}
			}
		})
	}
	for _, public := range []string{"93.184.216.34", "2606:4700::1111", "8.8.8.8", "172.32.0.1", "192.169.0.1"} {
		if c := forward.SpecialClass(netip.MustParseAddr(public)); c != "" {
			t.Errorf("SpecialClass(%s) = %q, want public", public, c)
		}
	}
}

func TestNameResolvingToLoopbackIsNeverDialled(t *testing.T) {
	up := newUpstream(t, nil)
	dns := resolver(map[string]string{"evil.example.com": "127.0.0.1", "mixed.example.com": "93.184.216.34,127.0.0.1"})
	rules := "http://evil.example.com:" + up.port() + ",http://mixed.example.com:" + up.port()
	r := newRelay(t, rules, forward.Options{Resolver: dns})
	for _, host := range []string{"evil.example.com", "mixed.example.com"} {
		_, err := r.Do(t.Context(), forward.Request{URL: "http://" + host + ":" + up.port() + "/", Body: []byte("card")})
		var re *forward.RefusedError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "loopback") {
			t.Errorf("%s: err = %v, want a loopback refusal", host, err)
		}
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("upstream received %d requests", n)
	}
}

// TestDialsTheAddressItChecked: each new connection resolves once, and the
// address checked is the one dialled; a later answer pointing elsewhere is
// checked again and refused, never dialled.
func TestDialsTheAddressItChecked(t *testing.T) {
	named := newUpstream(t, nil)
	// A second loopback server on another address of 127/8, which no rule names.
	ln, err := net.Listen("tcp", "127.0.0.2:"+named.port())
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var rogueHits atomic.Int32
	rogue := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { rogueHits.Add(1) })}
	go rogue.Serve(ln)
	t.Cleanup(func() { rogue.Close() })

	var calls atomic.Int32
	answers := []string{"127.0.0.1", "127.0.0.2"}
	dns := func(_ context.Context, host string) ([]netip.Addr, error) {
		n := calls.Add(1)
		return []netip.Addr{netip.MustParseAddr(answers[min(int(n)-1, 1)])}, nil
	}
	rules := "http://rebind.example.com:" + named.port() + ",http://127.0.0.1:" + named.port()
	r := newRelay(t, rules, forward.Options{Resolver: dns})
	url := "http://rebind.example.com:" + named.port() + "/"

	if _, err := r.Do(t.Context(), forward.Request{URL: url}); err != nil {
		t.Fatalf("first forward (127.0.0.1, named): %v", err)
	}
	r.Close() // force a new connection and so a new resolution
	_, err = r.Do(t.Context(), forward.Request{URL: url})
	var re *forward.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("second forward (rebound to 127.0.0.2): err = %v, want refusal", err)
	}
	if calls.Load() != 2 || named.hits.Load() != 1 || rogueHits.Load() != 0 {
		t.Errorf("resolutions %d, named hits %d, rogue hits %d; want 2, 1, 0", calls.Load(), named.hits.Load(), rogueHits.Load())
	}
}

func TestConnectionRefusedIsUpstreamError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	r := newRelay(t, "http://"+addr, forward.Options{})
	_, err = r.Do(t.Context(), forward.Request{URL: "http://" + addr + "/"})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamConnect {
		t.Fatalf("err = %v, want UpstreamConnect", err)
	}
	if strings.Contains(ue.Error(), addr) {
		t.Errorf("client-facing message %q reveals the address", ue.Error())
	}
}

func TestUnresolvableHost(t *testing.T) {
	r := newRelay(t, "nowhere.example.com", forward.Options{Resolver: resolver(nil)})
	_, err := r.Prepare(t.Context(), forward.Request{URL: "https://nowhere.example.com/"})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamConnect {
		t.Fatalf("err = %v, want UpstreamConnect", err)
	}
}

func TestCanceledForward(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for up.hits.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := r.Do(ctx, forward.Request{URL: up.URL})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamCanceled {
		t.Fatalf("err = %v, want UpstreamCanceled", err)
	}
}
