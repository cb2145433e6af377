package apidoc

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/cardvault/cardvault/internal/server"
)

// Prefix is where the documents are served.
const Prefix = "/openapi"

// pageCSP allows the page its own stylesheet and nothing else: no script,
// no frame, no form, no external asset.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed reference.css
var stylesheet []byte

// Docs serves the documents: GET /openapi/{name}.json, a reference page at
// GET /openapi/{name}, and an index at GET /openapi/. It is a server.Facade.
type Docs struct {
	pages map[string][]byte
}

var _ server.Facade = (*Docs)(nil)

// New loads, validates and renders every document once.
func New(ctx context.Context) (*Docs, error) {
	d := &Docs{pages: map[string][]byte{}}
	for _, name := range names {
		doc, err := Load(ctx, name)
		if err != nil {
			return nil, err
		}
		page, err := render(name, doc)
		if err != nil {
			return nil, fmt.Errorf("apidoc: render %s: %w", name, err)
		}
		d.pages[name] = page
	}
	return d, nil
}

// Routes registers the document routes.
func (d *Docs) Routes(mux *server.Mux) {
	mux.Handle("GET "+Prefix+"/{$}", d.index())
	mux.Handle("GET "+Prefix+"/{file}", d.file())
}

// Owns reports whether path is under /openapi.
func (d *Docs) Owns(path string) bool { return server.HasPrefix(path, Prefix) }

// WriteError writes the native error shape.
func (d *Docs) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	server.WriteNativeError(w, r, status, message)
}

// file serves {name}.json, the {name} page, or the stylesheet.
func (d *Docs) file() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		switch name, isJSON := strings.CutSuffix(file, ".json"); {
		case file == "reference.css":
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			_, _ = w.Write(stylesheet)
		case isJSON && slices.Contains(names, name):
			raw, _ := Document(name)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Access-Control-Allow-Origin", "*")
			_, _ = w.Write(raw)
		case d.pages[file] != nil:
			writePage(w, d.pages[file])
		default:
			server.WriteNativeError(w, r, http.StatusNotFound, "no such document; see "+Prefix+"/")
		}
	})
}

// index lists the documents.
func (d *Docs) index() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		_ = indexTemplate.Execute(&b, names)
		writePage(w, []byte(b.String()))
	})
}

// writePage sends an HTML page with the browser headers of a strict page.
func writePage(w http.ResponseWriter, page []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	_, _ = w.Write(page)
}

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cardvault API reference</title><link rel="stylesheet" href="/openapi/reference.css"></head>
<body><main><h1>cardvault API reference</h1><ul class="docs">
{{range .}}<li><a href="/openapi/{{.}}">{{.}}</a> · <a href="/openapi/{{.}}.json">{{.}}.json</a></li>
{{end}}</ul></main></body></html>
`))
