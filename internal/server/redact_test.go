package server

import (
	"strings"
	"testing"
)

func TestRedactDigitsSeparators(t *testing.T) {
	for in, want := range map[string]string{
		"/cards/4111.1111.1111.1111":       "/cards/[redacted]",
		"/cards/4111_1111_1111_1111/x":     "/cards/[redacted]/x",
		"/cards/4111/1111/1111/1111":       "/cards/[redacted]",
		"/cards/4111,1111,1111,1111":       "/cards/[redacted]",
		"/cards/4111%201111%201111%201111": "/cards/[redacted]",
		"/h/5105105105105100.invalid":      "/h/[redacted].invalid",
		"/cards/0190c3f2-aaaa-7bbb":        "/cards/0190c3f2-aaaa-7bbb",
	} {
		if got := RedactDigits(in); got != want {
			t.Errorf("RedactDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// The access log, written by a real server, never holds a card number in a
// path, whatever separates its digits.
func TestAccessLogMasksEverySeparator(t *testing.T) {
	ts, log := newTestServer(t, nil)
	for _, p := range []string{"/t/4111.1111.1111.1111", "/t/4111_1111_1111_1111", "/t/4111,1111,1111,1111",
		"/cards/4111%201111%201111%201111", "/x/5105105105105100.invalid", "/t/echo/4111/1111/1111/1111"} {
		get(t, "GET", ts.URL+p, "")
	}
	for _, leak := range []string{"4111.1111", "4111_1111", "4111,1111", "4111%201111", "4111 1111", "5105105105105100", "4111/1111"} {
		if strings.Contains(log.String(), leak) {
			t.Fatalf("access log holds %q:\n%s", leak, log)
		}
	}
	if !strings.Contains(log.String(), "[redacted]") {
		t.Fatalf("access log shows no masked path:\n%s", log)
	}
}
