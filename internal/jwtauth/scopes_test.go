package jwtauth

import (
	"os"
	"strings"
	"testing"
)

// TestScopeTableDocumented: docs/compat/gr4vy.md lists ScopeTable row by
// row, so the documentation cannot drift from the code.
func TestScopeTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/compat/gr4vy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ScopeTable {
		var cv []string
		for _, s := range m.Cardvault {
			cv = append(cv, "`"+string(s)+"`")
		}
		row := "| `" + m.Gr4vy + "` | " + strings.Join(cv, ", ") + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/compat/gr4vy.md lacks the row %s", row)
		}
	}
}

func TestMapScopes(t *testing.T) {
	if got := MapScopes([]string{"vault-forward.write", "payment-methods.read", "vault-forward.write", "nonsense"}); len(got) != 2 ||
		got[0] != "cards:read" || got[1] != "forward" {
		t.Errorf("MapScopes %v", got)
	}
	if got := MapScopes(nil); got != nil {
		t.Errorf("no scopes map to %v", got)
	}
}
