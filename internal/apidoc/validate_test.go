package apidoc_test

import (
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc"
)

func TestDocumentsAreValidOpenAPI31(t *testing.T) {
	for _, name := range apidoc.Names() {
		t.Run(name, func(t *testing.T) {
			doc, err := apidoc.Load(t.Context(), name)
			if err != nil {
				t.Fatal(err)
			}
			if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
				t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
			}
			if doc.Paths.Len() == 0 {
				t.Error("no paths")
			}
		})
	}
}
