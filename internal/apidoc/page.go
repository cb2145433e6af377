package apidoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// pageOp is one operation as the reference page shows it.
type pageOp struct {
	Method, Path, Summary, Description, Scope, Note, Refused, Extension string
	Params                                                              []pageParam
	Request                                                             string
	Responses                                                           []pageResponse
	Anchor                                                              string
}

type pageParam struct{ Name, In, Type, Description string }

type pageResponse struct{ Status, Description, Schema string }

type pageSchema struct{ Name, JSON string }

// pageData is what the reference template renders.
type pageData struct {
	Name, Title, Description, Base string
	Ops                            []pageOp
	Schemas                        []pageSchema
	CatchAll                       []map[string]any
}

// render makes the reference page of a document.
func render(name string, doc *openapi3.T) ([]byte, error) {
	data := pageData{Name: name, Title: doc.Info.Title, Description: doc.Info.Description}
	if len(doc.Servers) > 0 {
		data.Base = strings.TrimSuffix(doc.Servers[0].URL, "/")
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		methods := item.Operations()
		for _, m := range slices.Sorted(func(yield func(string) bool) {
			for k := range methods {
				if !yield(k) {
					return
				}
			}
		}) {
			data.Ops = append(data.Ops, pageOperation(data.Base+path, m, item, methods[m]))
		}
	}
	slices.SortStableFunc(data.Ops, func(a, b pageOp) int { return strings.Compare(a.Path, b.Path) })
	if doc.Components != nil {
		for _, n := range slices.Sorted(func(yield func(string) bool) {
			for k := range doc.Components.Schemas {
				if !yield(k) {
					return
				}
			}
		}) {
			raw, _ := json.MarshalIndent(doc.Components.Schemas[n].Value, "", "  ")
			data.Schemas = append(data.Schemas, pageSchema{Name: n, JSON: string(raw)})
		}
	}
	if list, ok := doc.Extensions["x-cardvault-catch-all"].([]any); ok {
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				data.CatchAll = append(data.CatchAll, m)
			}
		}
	}
	var b bytes.Buffer
	err := pageTemplate.Execute(&b, data)
	return b.Bytes(), err
}

// pageOperation flattens one operation for the template.
func pageOperation(path, method string, item *openapi3.PathItem, o *openapi3.Operation) pageOp {
	p := pageOp{Method: method, Path: path, Summary: o.Summary, Description: o.Description,
		Scope: ext(o.Extensions, "x-cardvault-scope"), Note: ext(o.Extensions, "x-cardvault-note"),
		Refused: ext(o.Extensions, "x-cardvault-refused"), Extension: ext(o.Extensions, "x-cardvault-extension"),
		Anchor: strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(path)}
	for _, ps := range [][]*openapi3.ParameterRef{item.Parameters, o.Parameters} {
		for _, pr := range ps {
			if pr.Value == nil {
				continue
			}
			p.Params = append(p.Params, pageParam{Name: pr.Value.Name, In: pr.Value.In,
				Type: schemaName(pr.Value.Schema), Description: pr.Value.Description})
		}
	}
	if o.RequestBody != nil && o.RequestBody.Value != nil {
		if mt := o.RequestBody.Value.Content.Get("application/json"); mt != nil {
			p.Request = schemaName(mt.Schema)
		}
	}
	if o.Responses != nil {
		codes := slices.Sorted(func(yield func(string) bool) {
			for k := range o.Responses.Map() {
				if !yield(k) {
					return
				}
			}
		})
		for _, code := range codes {
			rr := o.Responses.Value(code)
			if rr == nil || rr.Value == nil {
				continue
			}
			r := pageResponse{Status: code}
			if rr.Value.Description != nil {
				r.Description = *rr.Value.Description
			}
			if mt := rr.Value.Content.Get("application/json"); mt != nil {
				r.Schema = schemaName(mt.Schema)
			}
			p.Responses = append(p.Responses, r)
		}
	}
	return p
}

// ext reads a string extension.
func ext(m map[string]any, key string) string {
	if v, ok := m[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

// schemaName names a schema by its component, or by its type.
func schemaName(s *openapi3.SchemaRef) string {
	switch {
	case s == nil:
		return ""
	case s.Ref != "":
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	case s.Value == nil || s.Value.Type == nil:
		return "any"
	case s.Value.Type.Is("array") && s.Value.Items != nil:
		return "array of " + schemaName(s.Value.Items)
	}
	return strings.Join(s.Value.Type.Slice(), " or ")
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="/openapi/reference.css"></head>
<body><main>
<p class="crumbs"><a href="/openapi/">API reference</a> · <a href="/openapi/{{.Name}}.json">{{.Name}}.json</a></p>
<h1>{{.Title}}</h1>
<p>{{.Description}}</p>
<nav><ul>{{range .Ops}}<li><a href="#{{.Anchor}}"><span class="m m-{{.Method}}">{{.Method}}</span> {{.Path}}</a></li>{{end}}</ul></nav>
{{range .Ops}}<section id="{{.Anchor}}" class="op">
<h2><span class="m m-{{.Method}}">{{.Method}}</span> <code>{{.Path}}</code></h2>
{{if .Summary}}<p class="summary">{{.Summary}}</p>{{end}}
{{if .Description}}<p>{{.Description}}</p>{{end}}
<dl>{{if .Scope}}<dt>scope</dt><dd><code>{{.Scope}}</code></dd>{{end}}
{{if .Note}}<dt>cardvault</dt><dd>{{.Note}}</dd>{{end}}
{{if .Extension}}<dt>extension</dt><dd>{{.Extension}}</dd>{{end}}
{{if .Refused}}<dt>refused</dt><dd class="refused">{{.Refused}}</dd>{{end}}
{{if .Request}}<dt>request body</dt><dd><a href="#schema-{{.Request}}">{{.Request}}</a></dd>{{end}}</dl>
{{if .Params}}<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}
</tbody></table>{{end}}
<table><thead><tr><th>status</th><th>answer</th><th>body</th></tr></thead><tbody>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}</td><td>{{if .Schema}}<a href="#schema-{{.Schema}}">{{.Schema}}</a>{{end}}</td></tr>{{end}}
</tbody></table>
</section>{{end}}
{{if .CatchAll}}<section><h2>Refused routes</h2><table><thead><tr><th>pattern</th><th>answer</th></tr></thead><tbody>
{{range .CatchAll}}<tr><td><code>{{index . "pattern"}}</code></td><td>{{index . "answer"}}</td></tr>{{end}}</tbody></table></section>{{end}}
<section><h2>Schemas</h2>
{{range .Schemas}}<details id="schema-{{.Name}}"><summary>{{.Name}}</summary><pre>{{.JSON}}</pre></details>{{end}}
</section>
</main></body></html>
`))
