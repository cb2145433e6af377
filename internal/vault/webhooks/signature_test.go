package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

func TestSignatureIsHMACOverTimestampAndBody(t *testing.T) {
	secret, body := "whsec_test", []byte(`{"id":"evt_1","type":"security_code.expired"}`)
	at := time.Unix(1767225600, 0)
	h := webhooks.Sign(secret, at, body)
	// The documented recipe, computed independently.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10) + "." + string(body)))
	if want := "t=1767225600,v1=" + hex.EncodeToString(m.Sum(nil)); h != want {
		t.Fatalf("Sign = %s, want %s", h, want)
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, h, body, at.Add(time.Minute), nil},
		{"valid beside another scheme and a second v1", secret, "v0=zz," + h + ",v1=" + hex.EncodeToString(make([]byte, 32)), body, at, nil},
		{"body changed", secret, h, []byte(`{"id":"evt_2","type":"security_code.expired"}`), at, webhooks.ErrSignatureMismatch},
		{"other secret", "whsec_other", h, body, at, webhooks.ErrSignatureMismatch},
		{"timestamp changed", secret, "t=1767225601" + h[len("t=1767225600"):], body, at, webhooks.ErrSignatureMismatch},
		{"replayed too late", secret, h, body, at.Add(6 * time.Minute), webhooks.ErrSignatureStale},
		{"from the future", secret, h, body, at.Add(-6 * time.Minute), webhooks.ErrSignatureStale},
		{"no v1", secret, "t=1767225600", body, at, webhooks.ErrSignatureMalformed},
		{"no t", secret, h[len("t=1767225600,"):], body, at, webhooks.ErrSignatureMalformed},
		{"short v1", secret, "t=1767225600,v1=abcd", body, at, webhooks.ErrSignatureMalformed},
		{"two t", secret, "t=1," + h, body, at, webhooks.ErrSignatureMalformed},
		{"empty", secret, "", body, at, webhooks.ErrSignatureMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := webhooks.Verify(tc.secret, tc.header, tc.body, tc.now, 0); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add("t=1767225600,v1=" + hex.EncodeToString(make([]byte, 32)))
	f.Add("t=,v1=")
	f.Add("t=1,t=2,v1=00")
	f.Add(",,=,")
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := webhooks.ParseSignature(h)
		if err != nil {
			if sig.V1 != nil || !sig.Timestamp.IsZero() {
				t.Fatalf("an error with a partial result: %+v", sig)
			}
			return
		}
		if len(sig.V1) == 0 {
			t.Fatal("parsed without a v1")
		}
		for _, v := range sig.V1 {
			if len(v) != sha256.Size {
				t.Fatalf("v1 of %d bytes", len(v))
			}
		}
		// A header that parses verifies or fails cleanly.
		_ = webhooks.Verify("s", h, nil, sig.Timestamp, time.Second)
	})
}
