package server

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

// Every way text reaches a log line is masked: the message, string
// attributes, errors, Stringers, byte slices, other values, groups and
// attributes bound with With.
func TestMaskPANsMasksEveryLogLine(t *testing.T) {
	var buf bytes.Buffer
	// The time is left out: its digits may pass Luhn by chance.
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	log := slog.New(MaskPANs(slog.NewJSONHandler(&buf, noTime))).With("bound", "4111 1111 1111 1111")
	u, _ := url.Parse("https://5105105105105100.invalid/pay")
	log.Info("refused 4012-8888-8888-1881",
		"host", "5105105105105100.invalid",
		"err", errors.New("dial 4111.1111.1111.1111: refused"),
		"url", u,
		"raw", []byte("pan=378282246310005"),
		"list", []string{"6011111111111117"},
		slog.Group("g", "inner", "4222222222222"),
		"count", 42, "ok", "not a card 1234")
	out := buf.String()
	if card.ContainsPAN(out) {
		t.Fatalf("a card number reached the log:\n%s", out)
	}
	for _, want := range []string{`"count":42`, "not a card 1234", `"g":{"inner":`, card.PANMask} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A line whose card number sits only in a late attribute (past those a
// record keeps inline), in a key, or in an integer-looking string is
// masked too: the check that lets clean lines through unchanged looks at
// every attribute.
func TestMaskPANsLooksAtEveryAttribute(t *testing.T) {
	for name, args := range map[string][]any{
		"tenth attribute": {"a", 1, "b", "x", "c", 2.5, "d", true, "e", "y", "f", 3, "g", "z", "h", 4, "i", "w", "late", "4111111111111111"},
		"key":             {"a", 1, "4111111111111111", "value"},
		"bound with With": nil,
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			// The time is left out: its digits may pass Luhn by chance.
			noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}
			log := slog.New(MaskPANs(slog.NewJSONHandler(&buf, noTime)))
			if args == nil {
				log = log.With("bound", "5105105105105100")
			}
			log.Info("request", args...)
			if out := buf.String(); card.ContainsPAN(out) || !strings.Contains(out, card.PANMask) {
				t.Fatalf("a card number reached the log, or nothing was masked:\n%s", out)
			}
		})
	}
}
