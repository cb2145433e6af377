package apidoc_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/hyperswitch"
	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/apidoc"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// dialects builds, per document, the facades whose routes it documents.
var dialects = map[string]func(vaulttest.Deps) []server.Facade{
	"cardvault":   func(d vaulttest.Deps) []server.Facade { return []server.Facade{native.New(d)} },
	"pcivault":    func(d vaulttest.Deps) []server.Facade { return []server.Facade{pcivault.New(d), hostedform.New(d)} },
	"gr4vy":       func(d vaulttest.Deps) []server.Facade { return []server.Facade{gr4vy.New(d)} },
	"guardian":    func(d vaulttest.Deps) []server.Facade { return []server.Facade{guardian.New(d)} },
	"hyperswitch": func(d vaulttest.Deps) []server.Facade { return []server.Facade{hyperswitch.New(d)} },
}

// wildcard matches a path parameter in a route or document path.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// normal makes paths comparable whatever their parameters are called.
func normal(path string) string { return wildcard.ReplaceAllString(path, "{}") }

// documented lists "METHOD path" for every operation of doc, the server's
// base path included, and the catch-all patterns it names.
func documented(doc *openapi3.T) (ops map[string]bool, catchAll map[string]bool) {
	base := ""
	if len(doc.Servers) > 0 {
		base = strings.TrimSuffix(doc.Servers[0].URL, "/")
	}
	ops, catchAll = map[string]bool{}, map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops[method+" "+normal(base+path)] = true
		}
	}
	if list, ok := doc.Extensions["x-cardvault-catch-all"].([]any); ok {
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				catchAll[normal(m["pattern"].(string))] = true
			}
		}
	}
	return ops, catchAll
}

func TestEveryRouteIsDocumented(t *testing.T) {
	bare := vaulttest.New(t, vaulttest.Options{}).Server.Patterns()
	for _, name := range apidoc.Names() {
		t.Run(name, func(t *testing.T) {
			doc, err := apidoc.Load(t.Context(), name)
			if err != nil {
				t.Fatal(err)
			}
			ops, catchAll := documented(doc)
			env := vaulttest.New(t, vaulttest.Options{Facades: dialects[name]})
			routes := 0
			served := map[string]bool{}
			for _, pattern := range env.Server.Patterns() {
				served[normal(pattern)] = true
			}
			for op := range ops {
				if !served[op] {
					t.Errorf("the %s document lists %q, which cardvault does not serve", name, op)
				}
			}
			for _, pattern := range env.Server.Patterns() {
				if slices.Contains(bare, pattern) {
					continue
				}
				routes++
				method, path, ok := strings.Cut(pattern, " ")
				if !ok { // a pattern for every method: a catch-all refusal
					if !catchAll[normal(pattern)] {
						t.Errorf("catch-all route %q is not in x-cardvault-catch-all", pattern)
					}
					continue
				}
				if !ops[method+" "+normal(path)] {
					t.Errorf("route %q is not in the %s document", pattern, name)
				}
			}
			if routes == 0 {
				t.Fatal("the facade registered no routes")
			}
		})
	}
}
