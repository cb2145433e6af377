package main

import (
	"regexp"
	"strconv"
)

// hop is one operation of a dialect without a vendor OpenAPI file.
type hop struct {
	method, path, summary, scope string
	query, headers               []string
	// body says the operation takes a JSON body; status is its success.
	body   bool
	status int
	// optionalBody says the body may be left out; textBody that a
	// browser's text/plain post of the same JSON is accepted too.
	optionalBody, textBody bool
	// refused is set when cardvault answers with an error on purpose.
	refused string
	// public says no API key is needed (another secret, or none).
	public string
	// relayed says the answer is a payment provider's, relayed with its
	// own status and content type (a forward), or else an error in the
	// dialect's shape.
	relayed bool
	// html says the answer is a browser page, and so are its refusals;
	// alsoJSON that an API call gets a JSON object instead.
	html, alsoJSON bool
}

// pathParam finds {name} in a path.
var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// build makes a 3.1 document of ops with errSchema as every error's body.
func build(title, about string, ops []hop, errSchema obj, security obj, catchAll []any) obj {
	paths := obj{}
	for _, o := range ops {
		item, _ := paths[o.path].(obj)
		if item == nil {
			item = obj{}
			paths[o.path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
		for _, q := range o.query {
			params = append(params, obj{"name": q, "in": "query", "required": false, "schema": obj{"type": "string"}})
		}
		for _, h := range o.headers {
			params = append(params, obj{"name": h, "in": "header", "required": false, "schema": obj{"type": "string"}})
		}
		status := o.status
		if status == 0 {
			status = 200
		}
		errResp := obj{"description": "An error in the dialect's shape.",
			"content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/Error"}}}}
		responses := obj{"default": errResp}
		if o.relayed {
			responses = obj{"default": obj{"description": "The provider's answer, relayed with its own status, content type and body; " +
				"or, when the vault refuses or the provider cannot be reached, an error in the dialect's shape.",
				"content": obj{"*/*": obj{"schema": obj{}}}}}
		} else if o.html {
			html := obj{"x-cardvault-note": "an HTML page"}
			page := obj{"text/html": html}
			if o.alsoJSON {
				page["application/json"] = obj{"schema": obj{"type": "object", "description": "The vendor's shape; see docs/compat/."}}
			}
			responses = obj{strconv.Itoa(status): obj{"description": "The page.", "content": page},
				"default": obj{"description": "A refusal: a page saying why, or an error in the dialect's shape.",
					"content": obj{"text/html": html, "application/json": errResp["content"].(obj)["application/json"]}}}
		} else if o.refused == "" {
			ok := obj{"description": "Success."}
			if status != 204 {
				ok["content"] = obj{"application/json": obj{"schema": obj{"type": []any{"object", "array"},
					"description": "The vendor's shape; see docs/compat/."}}}
			}
			responses[strconv.Itoa(status)] = ok
		}
		operation := obj{"summary": o.summary, "operationId": o.method + pathParam.ReplaceAllString(o.path, "_$1"),
			"responses": responses}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.body {
			content := obj{"application/json": obj{"schema": obj{"type": "object"}}}
			if o.relayed {
				// A template, in any content type: it need not parse before it is filled.
				content = obj{"*/*": obj{"x-cardvault-note": "the template to fill and forward, in any content type"}}
			}
			if o.textBody {
				content["text/plain"] = obj{"schema": obj{"type": "string", "description": "The same JSON, as a browser's fetch sends it without a preflight."}}
			}
			operation["requestBody"] = obj{"required": !o.optionalBody, "content": content}
		}
		if o.scope != "" {
			operation["x-cardvault-scope"] = o.scope
		}
		if o.public != "" {
			operation["security"] = []any{}
			operation["x-cardvault-note"] = o.public
		}
		if o.refused != "" {
			operation["x-cardvault-refused"] = o.refused
		}
		item[o.method] = operation
	}
	name := obj{"Error": errSchema}
	d := obj{"openapi": "3.1.0", "info": info(title, about), "servers": []any{obj{"url": "/"}}, "paths": paths,
		"components": obj{"schemas": name, "securitySchemes": security}, "security": []any{obj{"api_key": []any{}}}}
	if len(catchAll) > 0 {
		d["x-cardvault-catch-all"] = catchAll
	}
	return d
}

// pcivault is PCI Vault's API and hosted forms as cardvault serves them.
func pcivault() obj {
	w, r, admin := "cards:write", "cards:read", "admin"
	return build("PCI Vault", "PCI Vault's keys, vault, capture endpoints and hosted capture forms, served by cardvault. Request and response bodies: docs/compat/pcivault.md.", []hop{
		{method: "post", path: "/v1/key", summary: "Create a user's key pair", scope: w, query: []string{"user", "passphrase", "algorithm"}, body: true, optionalBody: true},
		{method: "get", path: "/v1/key", summary: "List users' keys", scope: r, query: []string{"limit", "next_token"}},
		{method: "put", path: "/v1/key", summary: "Change a key's passphrase", scope: w, query: []string{"user", "passphrase"}, body: true, optionalBody: true},
		{method: "delete", path: "/v1/key", summary: "Delete a user's key and its data", scope: w, query: []string{"user", "passphrase"}},
		{method: "post", path: "/v1/vault", summary: "Store card data", scope: w, query: []string{"user", "passphrase", "reference", "number"}, body: true},
		{method: "get", path: "/v1/vault", summary: "List tokens, or read one entry with the passphrase", query: []string{"user", "passphrase", "token", "reference", "limit", "next_token"},
			scope: "cards:read (list), cards:reveal (read with passphrase)"},
		{method: "delete", path: "/v1/vault", summary: "Delete an entry", scope: w, query: []string{"user", "token", "reference"}},
		{method: "post", path: "/v1/capture", summary: "Create a capture endpoint", scope: w, query: []string{"user", "passphrase", "reference", "ttl", "token"}, body: true, optionalBody: true},
		{method: "get", path: "/v1/capture", summary: "List capture endpoints", scope: r, query: []string{"user", "limit", "next_token"}},
		{method: "delete", path: "/v1/capture", summary: "Delete a capture endpoint", scope: w, query: []string{"unique_id"}},
		{method: "delete", path: "/v1/capture/{id}", summary: "Delete a capture endpoint", scope: w},
		{method: "post", path: "/v1/capture/{id}", summary: "Post card data to a capture endpoint", query: []string{"reference"}, headers: []string{"X-PCIVault-Capture-Secret"}, body: true, textBody: true,
			public: "authenticated by the endpoint's capture secret, not an API key; CORS open"},
		{method: "options", path: "/v1/capture/{id}", summary: "CORS preflight of a capture post", public: "CORS preflight", status: 204},
		{method: "post", path: "/v1/capture/iframe", summary: "Create a hosted capture form", scope: admin, query: []string{"form_type"}, body: true, optionalBody: true},
		{method: "get", path: "/v1/capture/iframe", summary: "List hosted capture forms", scope: r, query: []string{"limit", "next_token"}},
		{method: "get", path: "/v1/capture/iframe/{id}", summary: "The hosted form page (HTML, strict CSP); to an API call (a credential, or no Accept: text/html), the form's configuration as JSON",
			query: []string{"unique_id", "secret", "reference", "title", "form_id", "form_type"}, html: true, alsoJSON: true, scope: "cards:read (the configuration)",
			public: "a browser page; the capture endpoint's secret authorises it"},
		{method: "delete", path: "/v1/capture/iframe/{id}", summary: "Delete a hosted capture form", scope: admin},
		{method: "post", path: "/v1/retrieve", summary: "Create a retrieve endpoint: a one-time read of a stored entry by a third party", scope: "cards:reveal",
			query: []string{"user", "passphrase", "token", "reference", "unique_id", "ttl"}},
		{method: "get", path: "/v1/retrieve/{id}", summary: "Read a retrieve endpoint once", headers: []string{"X-PCIVault-Retrieve-Secret"},
			public: "authenticated by the endpoint's retrieve secret, not an API key; CORS open; single use"},
		{method: "options", path: "/v1/retrieve/{id}", summary: "CORS preflight of a retrieve read", public: "CORS preflight", status: 204},
		{method: "delete", path: "/v1/retrieve/{id}", summary: "Revoke an unread retrieve endpoint", scope: w},
		{method: "post", path: "/v1/proxy/post", summary: "Forward a POST with the stored card injected (relay allowlist applies)", scope: "forward",
			query: []string{"user", "passphrase", "token", "reference", "url", "timeout"}, body: true, relayed: true},
		{method: "get", path: "/v1/proxy/get", summary: "Forward a GET with the stored card injected (relay allowlist applies)", scope: "forward",
			query: []string{"user", "passphrase", "token", "reference", "url", "timeout"}, relayed: true},
		{method: "get", path: "/v1/whoami", summary: "The calling key: PCI Vault's fields plus tenant and scopes"},
		{method: "get", path: "/v1/passphrase", summary: "A fresh random passphrase (256 bits)"},
	}, obj{"type": "object", "required": []any{"error"}, "properties": obj{"error": obj{"type": "string"}}},
		obj{"api_key": obj{"type": "apiKey", "in": "header", "name": "X-API-KEY"}}, nil)
}

// guardian is Hellgate Guardian's API as cardvault serves it.
func guardian() obj {
	w, r, admin, fwd, hooks := "cards:write", "cards:read", "admin", "forward", "webhooks"
	return build("Hellgate Guardian", "Guardian's PCI tokens, security codes, forwards, sessions, network tokens and cryptograms, metadata inquiries, admin API keys and webhook endpoints, served by cardvault. Request and response bodies: docs/compat/guardian.md.", []hop{
		{method: "post", path: "/api/pci/tokens", summary: "Create a PCI token (import a card, or start a session)", scope: w, headers: []string{"Idempotency-Key"}, body: true},
		{method: "get", path: "/api/pci/tokens", summary: "List PCI tokens", scope: r, query: []string{"after", "limit"}},
		{method: "get", path: "/api/pci/tokens/{id}", summary: "Get a PCI token (masked)", scope: r},
		{method: "delete", path: "/api/pci/tokens/{id}", summary: "Delete a PCI token", scope: w, status: 204},
		{method: "get", path: "/api/pci/tokens/{id}/security-code", summary: "Whether a security code is held", scope: r},
		{method: "post", path: "/api/pci/tokens/{id}/security-code", summary: "Refresh the security code (starts a session)", scope: w, headers: []string{"Idempotency-Key"}, body: true, optionalBody: true},
		{method: "delete", path: "/api/pci/tokens/{id}/security-code", summary: "Delete the held security code", scope: w, status: 204},
		{method: "post", path: "/api/pci/tokens/{id}/forward", summary: "Forward a request with the card injected", scope: fwd, headers: []string{"Idempotency-Key"}, body: true, relayed: true},
		{method: "post", path: "/api/network/tokens", summary: "Provision a network token for a PCI token or a card number", scope: w, headers: []string{"Idempotency-Key"}, body: true},
		{method: "get", path: "/api/network/tokens", summary: "List network tokens", scope: r, query: []string{"after", "limit"}},
		{method: "get", path: "/api/network/tokens/{id}", summary: "Get a network token (masked; status active, inactive or deleted)", scope: r},
		{method: "delete", path: "/api/network/tokens/{id}", summary: "Delete a network token (it stays readable as deleted)", scope: w, status: 204},
		{method: "post", path: "/api/network/tokens/{id}/cryptograms", summary: "Mint a single-use cryptogram: as a reference, or inline with the DPAN in the clear (inline needs cards:reveal too)", scope: fwd, headers: []string{"Idempotency-Key"}, body: true},
		{method: "post", path: "/api/network/tokens/{id}/forward", summary: "Forward a request with the network token and a cryptogram reference (single use) injected", scope: fwd, headers: []string{"X-Cryptogram-Reference"}, body: true, relayed: true},
		{method: "get", path: "/api/sessions/{id}", summary: "A session's status, for the merchant", scope: r},
		{method: "post", path: "/api/metadata/inquiries", summary: "Card metadata from a number or a token", scope: r, headers: []string{"Idempotency-Key"}, body: true},
		{method: "post", path: "/api/admin/api-keys", summary: "Create an API key (shown once)", scope: admin, headers: []string{"Idempotency-Key"}, body: true},
		{method: "get", path: "/api/admin/api-keys", summary: "List API keys", scope: admin},
		{method: "get", path: "/api/admin/api-keys/{id}", summary: "Get an API key", scope: admin},
		{method: "patch", path: "/api/admin/api-keys/{id}", summary: "Change an API key's scopes", scope: admin, body: true},
		{method: "delete", path: "/api/admin/api-keys/{id}", summary: "Delete an API key", scope: admin, status: 204},
		{method: "post", path: "/api/admin/webhooks", summary: "Register a webhook endpoint (URL on the forward allowlist; signing secret shown once; cardvault extension, see docs/webhooks.md)", scope: hooks, body: true},
		{method: "get", path: "/api/admin/webhooks", summary: "List webhook endpoints", scope: hooks, query: []string{"after", "limit"}},
		{method: "get", path: "/api/admin/webhooks/{id}", summary: "Get a webhook endpoint", scope: hooks},
		{method: "delete", path: "/api/admin/webhooks/{id}", summary: "Delete a webhook endpoint", scope: hooks, status: 204},
		{method: "get", path: "/sessions/{id}", summary: "A session, for the browser SDK", public: "the session id is the credential; CORS open"},
		{method: "post", path: "/sessions/{id}/complete-action", summary: "Complete a session with card data (browser SDK)", body: true, public: "the session id is the credential; CORS open"},
		{method: "get", path: "/sessions/{id}/form", summary: "cardvault's own hosted card form for a session (HTML, strict CSP)", html: true, public: "cardvault extension: the session id is the credential"},
		{method: "get", path: "/web/{version}/iframe/", summary: "A frame of Hellgate's Web SDK (HTML, strict CSP): a card field, or the session's coordinator",
			query: []string{"field", "type", "sessionId", "apiBaseUrl", "origin"}, html: true, public: "a browser page; the coordinator needs a session that allows the declared origin"},
		{method: "options", path: "/sessions/{id}", summary: "CORS preflight", public: "CORS preflight", status: 204},
		{method: "options", path: "/sessions/{id}/complete-action", summary: "CORS preflight", public: "CORS preflight", status: 204},
	}, obj{"type": "object", "required": []any{"code", "classifier", "message"}, "properties": obj{
		"code": obj{"type": "integer"}, "classifier": obj{"type": "string"}, "message": obj{"type": "string"}}},
		obj{"api_key": obj{"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
		[]any{
			obj{"pattern": "/sessions/{id}", "answer": "405 with Allow: GET, OPTIONS for other methods"},
			obj{"pattern": "/sessions/{id}/complete-action", "answer": "405 with Allow: POST, OPTIONS for other methods"},
			obj{"pattern": "/sessions/{id}/{rest...}", "answer": "404 in Guardian's shape"},
			obj{"pattern": "/api/sessions/{id}", "answer": "405 with Allow: GET for other methods"},
		})
}
