package forward

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Defaults for the zero Options.
const (
	DefaultMaxRequestBody  = 1 << 20
	DefaultMaxResponseBody = 4 << 20
	DefaultTimeout         = 30 * time.Second
	DefaultMaxTimeout      = 120 * time.Second
	// DefaultMaxIdleConnsPerHost is how many kept-alive connections the
	// relay holds per destination when idle. It is sized above the
	// concurrency one vault node sees (64 connections in bench/README.md),
	// so a burst of forwards that return together keeps every connection
	// instead of closing some and dialling them again on the next burst.
	DefaultMaxIdleConnsPerHost = 128
	// maxIdleConnsPerDestination bounds idle connections over all
	// destinations, as a multiple of the per-destination bound.
	maxIdleConnsPerDestination = 4
)

// Options tunes a Relay. Every field's zero value means the default it names.
type Options struct {
	// MaxRequestBody caps the rendered request body; 0 means
	// DefaultMaxRequestBody (1 MiB). A larger body is refused, unsent.
	MaxRequestBody int64
	// MaxResponseBody caps the upstream response body; 0 means
	// DefaultMaxResponseBody (4 MiB). A larger one is an UpstreamTooLarge
	// error.
	MaxResponseBody int64
	// DefaultTimeout bounds a forward whose Request.Timeout is 0 (connect,
	// send and read the whole response); 0 means DefaultTimeout (30 s).
	DefaultTimeout time.Duration
	// MaxTimeout caps Request.Timeout; 0 means DefaultMaxTimeout (120 s).
	MaxTimeout time.Duration
	// RootCAs verifies upstream certificates; nil means the system roots.
	RootCAs *x509.CertPool
	// Resolver returns the addresses of a host name; nil means the system
	// resolver (net.DefaultResolver.LookupNetIP). Tests set it to make a
	// name resolve to any address without DNS.
	Resolver func(ctx context.Context, host string) ([]netip.Addr, error)
	// MaxIdleConnsPerHost bounds the kept-alive idle connections per
	// upstream; 0 means DefaultMaxIdleConnsPerHost (128). Over all upstreams
	// at most four times as many are kept.
	MaxIdleConnsPerHost int
}

// Relay sends forwards to allow-listed destinations. It is safe for
// concurrent use and keeps connections alive per destination; call Close
// to release them.
type Relay struct {
	allow *Allowlist
	opts  Options
	// clients per scheme, so the dialer knows which scheme it dials for.
	https, http *http.Client
}

// Request is one forward to send.
type Request struct {
	// Method is the HTTP method; "" means POST. CONNECT and TRACE are refused.
	Method string
	// URL is the absolute destination URL, http or https.
	URL string
	// Header is passed on, less hop-by-hop headers (and those Connection
	// names), Proxy-*, Host, Content-Length, Expect, every X-Vault-Forward-*
	// header, and the vault credential headers Authorization, X-Api-Key,
	// Api-Key and X-Admin-Token. A facade that relays the caller's headers
	// wholesale (Guardian) can put them all here.
	Header http.Header
	// Own are headers the caller declared as the provider's own (Gr4vy's
	// x-vault-forward-header-*, Guardian's x-own-header-*): passed on even
	// when named like a vault credential, replacing any Header of the same
	// name. Hop-by-hop and X-Vault-Forward-* headers are still dropped.
	Own http.Header
	// Body is the rendered body.
	Body []byte
	// Timeout bounds the whole forward; 0 means Options.DefaultTimeout and
	// anything above Options.MaxTimeout is cut to it.
	Timeout time.Duration
	// Secrets are values that must never leave the vault, such as the
	// caller's vault API key: a forward whose URL or any outbound header
	// value contains one is refused. Values shorter than 8 bytes are ignored.
	Secrets []string
}

// Response is the upstream's complete response.
type Response struct {
	// Status is the upstream's status code; 3xx responses are returned
	// as they are, never followed.
	Status int
	// Header is the upstream's header less hop-by-hop and Proxy-* headers.
	Header http.Header
	// Body is the whole response body, at most Options.MaxResponseBody.
	Body []byte
	// Latency is the time from sending to the end of the body.
	Latency time.Duration
}

// Outbound is a forward as the relay would send it, for a dry run.
type Outbound struct {
	Method string
	URL    string
	// Header is exactly what would be sent (before Host and Content-Length,
	// which the HTTP client adds).
	Header  http.Header
	Body    []byte
	Timeout time.Duration
}

// NewRelay returns a relay that forwards only to destinations allow
// permits (nil allows nothing).
func NewRelay(allow *Allowlist, o Options) *Relay {
	if o.MaxRequestBody <= 0 {
		o.MaxRequestBody = DefaultMaxRequestBody
	}
	if o.MaxResponseBody <= 0 {
		o.MaxResponseBody = DefaultMaxResponseBody
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = DefaultTimeout
	}
	if o.MaxTimeout <= 0 {
		o.MaxTimeout = DefaultMaxTimeout
	}
	o.DefaultTimeout = min(o.DefaultTimeout, o.MaxTimeout)
	if o.Resolver == nil {
		o.Resolver = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	r := &Relay{allow: allow, opts: o}
	r.https = r.client("https")
	r.http = r.client("http")
	return r
}

// client builds the HTTP client for one scheme: no proxy, no redirects,
// TLS 1.2 or later, and a dialer that checks every address it dials.
func (r *Relay) client(scheme string) *http.Client {
	d := &dialer{scheme: scheme, allow: r.allow, resolve: r.opts.Resolver}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: r.opts.RootCAs},
		TLSHandshakeTimeout:    10 * time.Second,
		ForceAttemptHTTP2:      true,
		DisableCompression:     true,
		MaxIdleConns:           maxIdleConnsPerDestination * r.opts.MaxIdleConnsPerHost,
		MaxIdleConnsPerHost:    r.opts.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ExpectContinueTimeout:  0,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Close closes idle upstream connections.
func (r *Relay) Close() {
	r.https.CloseIdleConnections()
	r.http.CloseIdleConnections()
}

// Prepare checks req as Do would — method, URL, allow rules, headers, body
// size, secrets, and the addresses the host resolves to — and returns what
// would be sent, without sending anything. Use it for dry runs. Errors are
// a *RefusedError, or an *UpstreamError of kind UpstreamConnect when the
// host does not resolve.
func (r *Relay) Prepare(ctx context.Context, req Request) (*Outbound, error) {
	out, dest, err := r.check(req)
	if err != nil {
		return nil, err
	}
	d := &dialer{scheme: dest.scheme, allow: r.allow, resolve: r.opts.Resolver}
	if _, err := d.addrs(ctx, dest.host, dest.port); err != nil {
		return nil, classify(ctx, ctx, dest.host, err)
	}
	return out, nil
}

// Do sends req and returns the upstream's complete response. It returns a
// *RefusedError when the forward was refused before any byte was sent, and
// an *UpstreamError when no complete response came back (timeout,
// connection refused, TLS failure, broken connection, body over the cap).
// Any other status, redirects and errors included, is a Response.
func (r *Relay) Do(ctx context.Context, req Request) (*Response, error) {
	out, dest, err := r.check(req)
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, out.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(tctx, out.Method, out.URL, bytes.NewReader(out.Body))
	if err != nil {
		return nil, refused(dest.host, "malformed request")
	}
	if len(out.Body) == 0 {
		hreq.Body = http.NoBody
		hreq.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	hreq.Header = out.Header
	if _, ok := hreq.Header["User-Agent"]; !ok {
		hreq.Header.Set("User-Agent", "cardvault-forward")
	}
	client := r.https
	if dest.scheme == "http" {
		client = r.http
	}
	start := time.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, classify(ctx, tctx, dest.host, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > r.opts.MaxResponseBody {
		return nil, &UpstreamError{Kind: UpstreamTooLarge, Host: SafeHost(dest.host)}
	}
	body, err := readBody(resp.Body, resp.ContentLength, r.opts.MaxResponseBody)
	if errors.Is(err, errBodyTooLarge) {
		return nil, &UpstreamError{Kind: UpstreamTooLarge, Host: SafeHost(dest.host)}
	}
	if err != nil {
		return nil, classify(ctx, tctx, dest.host, err)
	}
	return &Response{
		Status:  resp.StatusCode,
		Header:  inboundHeader(resp.Header),
		Body:    body,
		Latency: time.Since(start),
	}, nil
}

// errBodyTooLarge is readBody's answer to a body over its limit.
var errBodyTooLarge = errors.New("response body over the limit")

// readBody reads body to its end and returns it, or errBodyTooLarge as soon
// as it holds more than limit bytes (reading at most limit+1). size is the
// declared length, -1 when unknown: a body of declared length is read into
// one buffer of that size, without regrowing.
func readBody(body io.Reader, size, limit int64) ([]byte, error) {
	n := int64(512)
	if size >= 0 {
		n = size + 1 // room to read the end of the body without growing
	}
	b := make([]byte, 0, min(n, limit+1))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
		m, err := body.Read(b[len(b):min(int64(cap(b)), limit+1)])
		b = b[:len(b)+m]
		switch {
		case int64(len(b)) > limit:
			return nil, errBodyTooLarge
		case err == io.EOF:
			return b, nil
		case err != nil:
			return nil, err
		}
	}
}

// classify turns a failed exchange into an *UpstreamError, or passes a
// *RefusedError from the dialer through. parent is the caller's context,
// tctx the one carrying the forward's timeout.
func classify(parent, tctx context.Context, host string, err error) error {
	var re *RefusedError
	if errors.As(err, &re) {
		return re
	}
	kind := UpstreamProtocol
	var de *dialError
	var ne net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		kind = UpstreamCanceled
	case parent.Err() != nil, errors.Is(tctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		kind = UpstreamTimeout
	case errors.As(err, &de):
		kind = UpstreamConnect
	case isTLSError(err):
		kind = UpstreamTLS
	}
	return &UpstreamError{Kind: kind, Host: SafeHost(host), Err: maskedError{err}}
}

// isTLSError reports whether err came from a TLS handshake.
func isTLSError(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		rerr  tls.RecordHeaderError
		aerr  tls.AlertError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &rerr) || errors.As(err, &aerr) ||
		errors.As(err, &uaerr) || errors.As(err, &herr) || errors.As(err, &cerr) ||
		strings.Contains(err.Error(), "tls: ")
}
