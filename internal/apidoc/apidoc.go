// Package apidoc holds the OpenAPI 3.1 documents of every API cardvault
// serves — its own and each vendor dialect as cardvault implements it —
// embedded in the binary, and serves them as JSON and as a reference page
// the vault renders itself (no script, no external asset, strict CSP).
package apidoc

import (
	"context"
	"embed"
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed docs/*.json
var files embed.FS

// Names lists the documents, in the order the index shows them.
var names = []string{"cardvault", "pcivault", "gr4vy", "guardian", "hyperswitch"}

// Names returns the name of every document ("cardvault", "gr4vy", …).
func Names() []string { return slices.Clone(names) }

// Document returns the raw JSON of the named document.
func Document(name string) ([]byte, error) {
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("apidoc: no document %q", name)
	}
	return files.ReadFile("docs/" + name + ".json")
}

// Load parses and validates the named document.
func Load(ctx context.Context, name string) (*openapi3.T, error) {
	raw, err := Document(name)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %s: %w", name, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("apidoc: %s is not valid OpenAPI: %w", name, err)
	}
	return doc, nil
}
