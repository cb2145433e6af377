package connector_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/connector"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// file wraps connector objects into a connector file.
func file(connectors ...string) []byte {
	return []byte(`{"connectors":[` + strings.Join(connectors, ",") + `]}`)
}

// valid is a connector that loads, with fields overridable by name.
func valid(over map[string]any) string {
	c := map[string]any{"id": "psp", "url": "https://psp.example/tokens", "method": "POST",
		"headers": map[string]string{"Authorization": "Bearer ${PSP_KEY}"}, "content_type": "application/json",
		"body": `{"pan":"{{ CARD_NUMBER_1 }}","exp":"{{ expiry_month }}/{{ expiry_year }}"}`, "token_pointer": "/id"}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

const secretKey = "sk_test_do_not_print_me"

func TestParseAcceptsAValidConnector(t *testing.T) {
	set, err := connector.Parse(file(valid(nil), valid(map[string]any{"id": "other", "method": nil, "content_type": nil,
		"timeout": "5s", "error_pointer": "/error/message"})), env(map[string]string{"PSP_KEY": secretKey}))
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 2 || strings.Join(set.IDs(), ",") != "other,psp" {
		t.Errorf("loaded %v", set.IDs())
	}
	var none *connector.Set
	if none.Len() != 0 || none.IDs() != nil {
		t.Error("a nil set is not empty")
	}
}

func TestParseRejectsBadConnectors(t *testing.T) {
	getenv := env(map[string]string{"PSP_KEY": secretKey, "BAD": "x\ny" + secretKey,
		"CARDVAULT_MASTER_KEY": secretKey, "CARDVAULT_DATABASE_URL": secretKey, "CardVault_Bootstrap_API_Key": secretKey})
	for name, tc := range map[string]struct {
		file []byte
		want string
	}{
		"not JSON":            {[]byte(`{`), "not valid connector JSON"},
		"unknown file field":  {[]byte(`{"connectors":[],"extra":1}`), "not valid connector JSON"},
		"unknown field":       {file(valid(map[string]any{"tokenpointer": "/id"})), "not valid connector JSON"},
		"trailing data":       {[]byte(`{"connectors":[]} {}`), "data after"},
		"bad id":              {file(valid(map[string]any{"id": "a b"})), "id must be"},
		"duplicate id":        {file(valid(nil), valid(nil)), "used twice"},
		"relative url":        {file(valid(map[string]any{"url": "/tokens"})), "url must be"},
		"ftp url":             {file(valid(map[string]any{"url": "ftp://psp.example/"})), "url must be"},
		"user in url":         {file(valid(map[string]any{"url": "https://u:p@psp.example/"})), "url must be"},
		"bad method":          {file(valid(map[string]any{"method": "DELETE"})), "method must be"},
		"unset variable":      {file(valid(map[string]any{"headers": map[string]string{"X-Key": "${NOPE}"}})), "${NOPE} is not set"},
		"bad variable name":   {file(valid(map[string]any{"headers": map[string]string{"X-Key": "${1X}"}})), "not a valid environment variable name"},
		"vault master key":    {file(valid(map[string]any{"headers": map[string]string{"X-Key": "${CARDVAULT_MASTER_KEY}"}})), "${CARDVAULT_MASTER_KEY} is refused"},
		"vault database url":  {file(valid(map[string]any{"headers": map[string]string{"Authorization": "Bearer ${PSP_KEY}${CARDVAULT_DATABASE_URL}"}})), "${CARDVAULT_DATABASE_URL} is refused"},
		"vault var any case":  {file(valid(map[string]any{"headers": map[string]string{"X-Key": "${CardVault_Bootstrap_API_Key}"}})), "${CardVault_Bootstrap_API_Key} is refused"},
		"bad header value":    {file(valid(map[string]any{"headers": map[string]string{"X-Key": "${BAD}"}})), "invalid header"},
		"bad header name":     {file(valid(map[string]any{"headers": map[string]string{"X Key": "v"}})), "invalid header"},
		"content-type header": {file(valid(map[string]any{"headers": map[string]string{"content-type": "text/plain"}})), "set content_type instead"},
		"no body":             {file(valid(map[string]any{"body": " "})), "body template is required"},
		"unclosed template":   {file(valid(map[string]any{"body": `{"n":"{{ CARD_NUMBER_1"}`})), "body:"},
		"second card":         {file(valid(map[string]any{"body": `{"n":"{{ CARD_NUMBER_2 }}"}`})), "body:"},
		"unknown placeholder": {file(valid(map[string]any{"body": `{"n":"{{ pan }}"}`})), "unknown placeholder"},
		"no token pointer":    {file(valid(map[string]any{"token_pointer": nil})), "token_pointer is required"},
		"bad token pointer":   {file(valid(map[string]any{"token_pointer": "id"})), "token_pointer"},
		"bad error pointer":   {file(valid(map[string]any{"error_pointer": "/a~2"})), "error_pointer"},
		"bad timeout":         {file(valid(map[string]any{"timeout": "10m"})), "timeout must be"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := connector.Parse(tc.file, getenv)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secretKey) {
				t.Errorf("the error shows a header value: %v", err)
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := connector.Parse(file(valid(map[string]any{"id": "a", "url": "x", "token_pointer": nil}),
		valid(map[string]any{"id": "b", "method": "TRACE"})), env(map[string]string{"PSP_KEY": "k"}))
	for _, want := range []string{`"a"`, "url must be", "token_pointer is required", `"b"`, "method must be"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectors.json")
	if err := os.WriteFile(path, file(valid(nil)), 0o600); err != nil {
		t.Fatal(err)
	}
	if set, err := connector.Load(path, env(map[string]string{"PSP_KEY": "k"})); err != nil || set.Len() != 1 {
		t.Fatalf("load: %v", err)
	}
	if _, err := connector.Load(filepath.Join(t.TempDir(), "missing.json"), env(nil)); err == nil {
		t.Error("a missing file loads")
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(`{"connectors":[]}`+strings.Repeat(" ", connector.MaxFileSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := connector.Load(big, env(nil)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an oversized file: %v", err)
	}
}

// TestShippedExamplesLoad loads every example in docs/connectors.
func TestShippedExamplesLoad(t *testing.T) {
	paths, err := filepath.Glob("../../docs/connectors/*.json")
	if err != nil || len(paths) < 2 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	getenv := func(k string) string { return "example-" + k }
	for _, p := range paths {
		set, err := connector.Load(p, getenv)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if set.Len() == 0 {
			t.Errorf("%s: no connectors", p)
		}
		t.Log(filepath.Base(p), set.IDs())
	}
}
