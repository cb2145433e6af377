// Command gen writes the OpenAPI 3.1 documents of the vendor dialects as
// cardvault serves them into internal/apidoc/docs: the Gr4vy and Hyperswitch
// documents are cut from the vendors' own OpenAPI files down to the
// operations cardvault implements (and converted to 3.1), the PCI Vault and
// Guardian documents are built from the operation tables in this command,
// since those vendors publish no OpenAPI file. cardvault's extensions and
// refusals are added to each. Run it from the repository root:
//
//	go run ./internal/apidoc/gen -reference /work/shared/reference
//
// The native document (docs/cardvault.json) is written by hand.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	ref := flag.String("reference", "/work/shared/reference", "directory of the vendor reference files")
	out := flag.String("out", "internal/apidoc/docs", "directory to write the documents to")
	flag.Parse()
	docs := map[string]func(string) (obj, error){
		"gr4vy": gr4vy, "hyperswitch": hyperswitch, "pcivault": func(string) (obj, error) { return pcivault(), nil },
		"guardian": func(string) (obj, error) { return guardian(), nil },
	}
	for name, build := range docs {
		d, err := build(*ref)
		if err == nil {
			err = write(filepath.Join(*out, name+".json"), d)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen %s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

// obj is a JSON object.
type obj = map[string]any

// write renders d as indented JSON, keys sorted, with a final newline.
func write(path string, d obj) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// readJSON loads a JSON file.
func readJSON(path string) (obj, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d obj
	return d, json.Unmarshal(raw, &d)
}

// readYAML loads an OpenAPI YAML file and returns it as generic JSON.
func readYAML(path string) (obj, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var d obj
	return d, json.Unmarshal(raw, &d)
}

// op is one operation to take from a vendor document.
type op struct {
	method, path, scope string
	// as renames the operation's path in the output (a missing path
	// parameter, say); alias copies it to another method too.
	alias string
	note  string
}

// cut builds a 3.1 document holding only ops from src (whose components
// they reach), each marked with its scope.
func cut(src obj, ops []op, info obj) obj {
	paths := obj{}
	for _, o := range ops {
		item, _ := src["paths"].(obj)[o.path].(obj)
		operation, ok := item[o.method].(obj)
		if !ok {
			panic(fmt.Sprintf("%s %s not in the vendor document", o.method, o.path))
		}
		operation = clone(operation).(obj)
		operation["x-cardvault-scope"] = o.scope
		if o.note != "" {
			operation["x-cardvault-note"] = o.note
		}
		out, _ := paths[o.path].(obj)
		if out == nil {
			out = obj{}
			if params, ok := item["parameters"]; ok {
				out["parameters"] = clone(params)
			}
			paths[o.path] = out
		}
		out[o.method] = operation
		if o.alias != "" {
			alias := clone(operation).(obj)
			alias["operationId"] = fmt.Sprint(operation["operationId"]) + "_" + o.alias
			alias["x-cardvault-extension"] = "cardvault also accepts " + strings.ToUpper(o.alias) + " here"
			out[o.alias] = alias
		}
	}
	d := obj{"openapi": "3.1.0", "info": info, "servers": []any{obj{"url": "/"}}, "paths": paths}
	comps := obj{}
	srcComps, _ := src["components"].(obj)
	var reach func(v any)
	reach = func(v any) {
		switch t := v.(type) {
		case obj:
			if r, ok := t["$ref"].(string); ok && strings.HasPrefix(r, "#/components/") {
				parts := strings.Split(strings.TrimPrefix(r, "#/components/"), "/")
				kind, name := parts[0], parts[1]
				k, _ := comps[kind].(obj)
				if k == nil {
					k = obj{}
					comps[kind] = k
				}
				if _, done := k[name]; !done {
					def := srcComps[kind].(obj)[name]
					k[name] = clone(def)
					reach(def)
				}
			}
			for _, x := range t {
				reach(x)
			}
		case []any:
			for _, x := range t {
				reach(x)
			}
		}
	}
	reach(paths)
	if sec, ok := srcComps["securitySchemes"]; ok {
		comps["securitySchemes"] = clone(sec)
	}
	d["components"] = comps
	if s, ok := src["security"]; ok {
		d["security"] = clone(s)
	}
	return d
}

// clone deep-copies generic JSON.
func clone(v any) any {
	switch t := v.(type) {
	case obj:
		c := obj{}
		for k, x := range t {
			c[k] = clone(x)
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i, x := range t {
			c[i] = clone(x)
		}
		return c
	}
	return v
}

// to31 rewrites OpenAPI 3.0 schema keywords as 3.1 (JSON Schema 2020-12):
// nullable becomes a "null" type, boolean exclusive bounds become numbers.
func to31(v any) any {
	switch t := v.(type) {
	case obj:
		for k, x := range t {
			t[k] = to31(x)
		}
		for _, b := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			if ex, ok := t[b[0]].(bool); ok {
				delete(t, b[0])
				if ex {
					t[b[0]] = t[b[1]]
					delete(t, b[1])
				}
			}
		}
		if n, ok := t["nullable"].(bool); ok {
			delete(t, "nullable")
			if !n {
				return t
			}
			if typ, ok := t["type"].(string); ok {
				t["type"] = []any{typ, "null"}
				if enum, ok := t["enum"].([]any); ok {
					t["enum"] = append(enum, nil)
				}
				return t
			}
			return obj{"anyOf": []any{t, obj{"type": "null"}}}
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = to31(x)
		}
	}
	return v
}
