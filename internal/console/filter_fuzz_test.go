package console

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
)

// FuzzParseFilter feeds the audit page's query parser anything: it must
// never panic, and a filter it accepts must match consistently.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"action=card.reveal&key=key_1&object=card_1&from=2026-01-01&to=2026-12-31T23:59",
		"from=yesterday", "to=2026-02-30", "from=2026-01-01T10:00:00", "%zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		filter, err := parseFilter(q)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "from:") && !strings.HasPrefix(err.Error(), "to:") {
				t.Fatalf("error %q names no field", err)
			}
			return
		}
		e := audit.Entry{Event: audit.Event{Action: filter.Action, Actor: filter.Key, Targets: []string{filter.Object}}, At: filter.from}
		if filter.to.IsZero() || filter.from.Before(filter.to) {
			if !filter.match(e) {
				t.Fatalf("filter %+v does not match an entry made of its own values", filter)
			}
		}
	})
}

func TestParseWhen(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-03-04":          time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC),
		"2026-03-04T05:06":    time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC),
		"2026-03-04T05:06:07": time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
	} {
		if got, err := parseWhen(in); err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "04/03/2026"} {
		if _, err := parseWhen(bad); err == nil {
			t.Errorf("parseWhen(%q) accepted", bad)
		}
	}
}
