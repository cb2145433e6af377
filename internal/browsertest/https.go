package browsertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// HTTPS serves test sites over TLS on loopback under real-looking host
// names (https://vault.test, https://shop.test), with a certificate made
// for the test, so that pages run in a secure context (WebCrypto, the
// origins a browser SDK checks) as they do in production. The browser
// resolves each name to its server and trusts only that certificate (by
// its public key), not every certificate.
type HTTPS struct {
	cert  tls.Certificate
	spki  string
	hosts map[string]string
}

// NewHTTPS makes a fresh self-signed ECDSA certificate for names (DNS
// names, valid for a day).
func NewHTTPS(t testing.TB, names ...string) *HTTPS {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return &HTTPS{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		spki: base64.StdEncoding.EncodeToString(sum[:]), hosts: map[string]string{}}
}

// Serve serves h over TLS on a loopback port as https://host (one of the
// certificate's names) and returns that URL. The server ends with the test.
func (s *HTTPS) Serve(t testing.TB, host string, h http.Handler) string {
	t.Helper()
	if !slices.Contains(s.cert.Leaf.DNSNames, host) {
		t.Fatalf("browsertest: %s is not a name of the test certificate", host)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.hosts[host] = strings.TrimPrefix(srv.URL, "https://")
	return "https://" + host
}

// Client returns an HTTP client that trusts the test certificate and
// reaches each served host at its loopback address.
func (s *HTTPS) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(s.cert.Leaf)
	hosts := s.hosts
	dialer := &net.Dialer{}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if a, ok := hosts[host]; ok {
			addr = a
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// Options are the browser flags that make the served hosts resolve to
// their servers (the default https port mapped to the loopback one) and
// trust the test certificate's key; pass them to Start after every Serve.
func (s *HTTPS) Options() []chromedp.ExecAllocatorOption {
	var rules []string
	for host, addr := range s.hosts {
		rules = append(rules, "MAP "+host+" "+addr)
	}
	slices.Sort(rules)
	return []chromedp.ExecAllocatorOption{chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("ignore-certificate-errors-spki-list", s.spki)}
}
