package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "Cardvault-Signature"

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock before Verify refuses it (replay protection).
const DefaultTolerance = 5 * time.Minute

// Sign returns the signature header value of body sent at t under secret:
// "t=UNIX,v1=HEX" where HEX is HMAC-SHA256(secret, "UNIX.body").
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Signature is a parsed signature header.
type Signature struct {
	// Timestamp is when the delivery was signed.
	Timestamp time.Time
	// V1 are the HMAC-SHA256 values (one per secret in use).
	V1 [][]byte
}

// Errors Verify returns.
var (
	ErrSignatureMalformed = errors.New("webhooks: signature header malformed")
	ErrSignatureMismatch  = errors.New("webhooks: signature does not match")
	ErrSignatureStale     = errors.New("webhooks: signature timestamp outside the tolerance")
)

// ParseSignature reads a signature header: comma-separated key=value
// pairs, exactly one t (Unix seconds) and at least one v1 (64 hex digits);
// other keys are ignored, so later schemes can be added beside v1.
func ParseSignature(h string) (Signature, error) {
	var sig Signature
	seenT := false
	if len(h) > 4096 {
		return sig, ErrSignatureMalformed
	}
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Signature{}, ErrSignatureMalformed
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || seenT || n < 0 || n > 1<<40 {
				return Signature{}, ErrSignatureMalformed
			}
			sig.Timestamp, seenT = time.Unix(n, 0), true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return Signature{}, ErrSignatureMalformed
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !seenT || len(sig.V1) == 0 {
		return Signature{}, ErrSignatureMalformed
	}
	return sig, nil
}

// Verify checks a delivery the way a receiver should: the header parses,
// its timestamp is within tolerance of now (0 means DefaultTolerance), and
// one of its v1 values equals HMAC-SHA256(secret, "t.body"), compared in
// constant time.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(sig.Timestamp); d > tolerance || d < -tolerance {
		return ErrSignatureStale
	}
	want := mac(secret, strconv.FormatInt(sig.Timestamp.Unix(), 10), body)
	for _, v := range sig.V1 {
		if hmac.Equal(v, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}
