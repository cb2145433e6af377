package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// info is the info object of a dialect document.
func info(dialect, about string) obj {
	return obj{"title": "cardvault: " + dialect + " dialect", "version": "cardvault-1",
		"description": about + " Only the operations cardvault implements are listed; `x-cardvault-scope` names the API key scope each needs, `x-cardvault-extension` and `x-cardvault-note` mark where cardvault differs from the vendor. See docs/compat/ in the cardvault repository."}
}

// ntNote is what every Gr4vy network-token answer has in common.
const ntNote = "token is the DPAN in full only for a caller holding cards:reveal or forward (audited), masked otherwise; a sandbox token adds the Cardvault-Sandbox: true header"

// gr4vy cuts Gr4vy's current document to the payment-method operations
// and adds /vault-forward from the legacy document (the current one lacks it).
func gr4vy(ref string) (obj, error) {
	src, err := readJSON(filepath.Join(ref, "gr4vy-openapi.json"))
	if err != nil {
		return nil, err
	}
	d := cut(src, []op{
		{method: "post", path: "/payment-methods", scope: "cards:write"},
		{method: "get", path: "/payment-methods", scope: "cards:read"},
		{method: "get", path: "/payment-methods/{payment_method_id}", scope: "cards:read"},
		{method: "put", path: "/payment-methods/{payment_method_id}", scope: "cards:write",
			note: "also takes external_identifier, buyer_id and buyer_external_identifier; transaction fields are refused"},
		{method: "delete", path: "/payment-methods/{payment_method_id}", scope: "cards:write"},
		{method: "get", path: "/payment-methods/{payment_method_id}/payment-service-tokens", scope: "cards:read"},
		{method: "post", path: "/payment-methods/{payment_method_id}/payment-service-tokens", scope: "cards:write",
			note: "payment_service_id names a connector configured with CARDVAULT_CONNECTORS"},
		{method: "delete", path: "/payment-methods/{payment_method_id}/payment-service-tokens/{payment_service_token_id}", scope: "cards:write"},
		{method: "get", path: "/payment-methods/{payment_method_id}/network-tokens", scope: "cards:read",
			note: ntNote + "; deleted tokens stay listed with status deleted"},
		{method: "post", path: "/payment-methods/{payment_method_id}/network-tokens", scope: "cards:write",
			note: ntNote + "; a scheme the token service does not tokenize is a 400; security_code is checked, never stored"},
		{method: "post", path: "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/cryptogram", scope: "cards:read",
			note: "single-use; a suspended or deleted token is a 400"},
		{method: "post", path: "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/suspend", scope: "cards:write",
			note: ntNote + "; a token that is not active is a 400"},
		{method: "post", path: "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/resume", scope: "cards:write",
			note: ntNote + "; a token that is not suspended is a 400"},
		{method: "delete", path: "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}", scope: "cards:write",
			note: "the token stays listed as deleted; deleting it again is a 400"},
		{method: "post", path: "/buyers", scope: "cards:write"},
		{method: "get", path: "/buyers", scope: "cards:read"},
		{method: "get", path: "/buyers/payment-methods", scope: "cards:read"},
		{method: "get", path: "/buyers/{buyer_id}", scope: "cards:read"},
		{method: "put", path: "/buyers/{buyer_id}", scope: "cards:write"},
		{method: "delete", path: "/buyers/{buyer_id}", scope: "cards:write", note: "also deletes the buyer's payment methods"},
		{method: "post", path: "/buyers/{buyer_id}/shipping-details", scope: "cards:write"},
		{method: "get", path: "/buyers/{buyer_id}/shipping-details", scope: "cards:read"},
		{method: "get", path: "/buyers/{buyer_id}/shipping-details/{shipping_details_id}", scope: "cards:read"},
		{method: "put", path: "/buyers/{buyer_id}/shipping-details/{shipping_details_id}", scope: "cards:write"},
		{method: "delete", path: "/buyers/{buyer_id}/shipping-details/{shipping_details_id}", scope: "cards:write"},
		{method: "post", path: "/checkout/sessions", scope: "cards:write"},
		{method: "get", path: "/checkout/sessions/{session_id}", scope: "cards:read"},
		{method: "put", path: "/checkout/sessions/{session_id}", scope: "cards:write"},
		{method: "delete", path: "/checkout/sessions/{session_id}", scope: "cards:write"},
		{method: "put", path: "/checkout/sessions/{session_id}/fields"},
		{method: "post", path: "/checkout/sessions/{session_id}/card-details"},
	}, info("Gr4vy", "Gr4vy's payment methods (with their payment-service and network tokens), buyers, checkout sessions and Vault Forward, served by cardvault."))
	legacy, err := readYAML(filepath.Join(ref, "gr4vy-openapi-legacy.yaml"))
	if err != nil {
		return nil, err
	}
	fwd := to31(cut(legacy, []op{{method: "post", path: "/vault-forward", scope: "forward",
		note: "the destination must match CARDVAULT_FORWARD_ALLOW; x-vault-forward-payment-methods or x-vault-forward-checkout-session, not both required"}}, obj{})).(obj)
	loosenForward(fwd["paths"].(obj)["/vault-forward"].(obj)["post"].(obj), fwd["components"].(obj))
	prefix(fwd, "Legacy")
	extendUpdate(d)
	if err := merge(d, fwd); err != nil {
		return nil, err
	}
	addSecureFieldsFrames(d)
	return d, nil
}

// addSecureFieldsFrames documents the pages Gr4vy's Secure Fields library
// loads from window.SECURE_FIELDS_FRAME_URL, which Gr4vy's API document
// does not list (they live on Gr4vy's frame host): HTML with a strict CSP,
// no credential, framed only by parentOrigin; and the checkout session's
// allowed_origins, cardvault's extension.
func addSecureFieldsFrames(d obj) {
	page := func(id, summary string, query []string) obj {
		var params []any
		for _, q := range query {
			params = append(params, obj{"name": q, "in": "query", "required": q == "parentOrigin" || q == "type" || q == "sessionId",
				"schema": obj{"type": "string"}})
		}
		return obj{"get": obj{"summary": summary, "operationId": id,
			"parameters": params, "security": []any{},
			"x-cardvault-note": "cardvault extension: a Secure Fields frame page (HTML, strict CSP, framed only by parentOrigin); see docs/compat/browser-sdks.md",
			"responses": obj{
				"200":     obj{"description": "The frame.", "content": obj{"text/html": obj{"x-cardvault-note": "an HTML page"}}},
				"default": obj{"description": "A page saying what is wrong (no script).", "content": obj{"text/html": obj{"x-cardvault-note": "an HTML page"}}},
			}}}
	}
	paths := d["paths"].(obj)
	paths["/input.html"] = page("get/input.html", "A Secure Fields input frame (number, expiryDate, securityCode or postalCode)",
		[]string{"parentOrigin", "type", "font", "paymentMethodScheme"})
	paths["/controller.html"] = page("get/controller.html", "The Secure Fields controller frame, which submits to the checkout session's fields",
		[]string{"parentOrigin", "sessionId", "gr4vyId", "environment", "paymentMethodId"})
	schemas := d["components"].(obj)["schemas"].(obj)
	for _, name := range []string{"CheckoutSessionUpdate", "CheckoutSession"} {
		schemas[name].(obj)["properties"].(obj)["allowed_origins"] = obj{"type": "array", "maxItems": 10,
			"items":                 obj{"type": "string", "description": "An origin, scheme://host[:port]."},
			"x-cardvault-extension": "the origins whose pages may use the session's Secure Fields frames; none listed: any https origin. An update without it keeps them"}
	}
}

// loosenForward fixes what Gr4vy's legacy file says of /vault-forward
// that its own guide and cardvault do not: it marks both
// x-vault-forward-payment-methods and x-vault-forward-checkout-session
// required (either one is); it gives the forwarded body, of any content
// type, and the provider's answer relayed back, a schema (a template is
// not JSON until it is filled, and the answer is the provider's, with its
// own status); its 401 names one message (cardvault's says why). cardvault
// also takes the method header in any case and caps a long timeout.
func loosenForward(operation obj, components obj) {
	for _, p := range operation["parameters"].([]any) {
		switch m := p.(obj); m["name"] {
		case "x-vault-forward-payment-methods", "x-vault-forward-checkout-session":
			m["required"] = false
		case "x-vault-forward-http-method":
			m["schema"] = obj{"type": "string", "pattern": "^([Pp][Oo][Ss][Tt]|[Pp][Uu][Tt]|[Pp][Aa][Tt][Cc][Hh])$", "example": "POST"}
			m["x-cardvault-extension"] = "POST, PUT or PATCH in any case"
		case "x-vault-forward-timeout":
			m["schema"] = obj{"type": "string", "pattern": "^[0-9]+$", "example": "10"}
			m["x-cardvault-extension"] = "whole seconds, at least 1; a longer wait than the relay allows is capped, not refused"
		}
	}
	operation["requestBody"].(obj)["content"] = obj{"*/*": obj{
		"x-cardvault-note": "the template to fill and forward, in any content type; it need not parse before it is filled"}}
	responses := operation["responses"].(obj)
	responses["200"].(obj)["content"] = obj{"*/*": obj{"x-cardvault-note": "the provider's answer as it sent it, in any content type"}}
	responses["default"] = obj{"description": "The provider's answer, relayed with its own status, content type and body; " +
		"or, when the vault refuses or the provider cannot be reached, an error in Gr4vy's shape.",
		"content": obj{"*/*": obj{}}}
	msg := components["schemas"].(obj)["Error401Unauthorized"].(obj)["properties"].(obj)["message"].(obj)
	delete(msg, "enum")
	msg["x-cardvault-note"] = "cardvault says why the credential was refused"
}

// extendUpdate declares the members cardvault's payment method update also
// takes (see the operation's x-cardvault-note).
func extendUpdate(d obj) {
	props := d["components"].(obj)["schemas"].(obj)["PaymentMethodUpdate"].(obj)["properties"].(obj)
	for _, name := range []string{"external_identifier", "buyer_id", "buyer_external_identifier"} {
		props[name] = obj{"type": []any{"string", "null"}, "x-cardvault-extension": "cardvault also updates " + name}
	}
}

// prefix renames every component of d to start with p, and every
// reference to it, so that two vendor documents can merge.
func prefix(d obj, p string) {
	comps := d["components"].(obj)
	for kind, defs := range comps {
		renamed := obj{}
		for name, def := range defs.(obj) {
			renamed[p+name] = def
		}
		comps[kind] = renamed
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case obj:
			if r, ok := t["$ref"].(string); ok && strings.HasPrefix(r, "#/components/") {
				i := strings.LastIndex(r, "/")
				t["$ref"] = r[:i+1] + p + r[i+1:]
			}
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(d)
}

// merge adds src's paths and components to d; a component of the same name
// must be the same.
func merge(d, src obj) error {
	for p, item := range src["paths"].(obj) {
		d["paths"].(obj)[p] = item
	}
	dc := d["components"].(obj)
	for kind, defs := range src["components"].(obj) {
		if kind == "securitySchemes" {
			continue
		}
		k, _ := dc[kind].(obj)
		if k == nil {
			k = obj{}
			dc[kind] = k
		}
		for name, def := range defs.(obj) {
			if _, clash := k[name]; clash {
				return fmt.Errorf("component %s/%s is in both documents", kind, name)
			}
			k[name] = def
		}
	}
	return nil
}

// hyperswitch cuts Hyperswitch's v2 document (3.0.3) to the vault
// operations and converts it to 3.1.
func hyperswitch(ref string) (obj, error) {
	src, err := readJSON(filepath.Join(ref, "hyperswitch-openapi.json"))
	if err != nil {
		return nil, err
	}
	read, write := "cards:read", "cards:write"
	d := cut(src, []op{
		{method: "post", path: "/v2/customers", scope: write},
		{method: "get", path: "/v2/customers/list", scope: read},
		{method: "get", path: "/v2/customers/{id}", scope: read},
		{method: "put", path: "/v2/customers/{id}", scope: write, alias: "patch"},
		{method: "delete", path: "/v2/customers/{id}", scope: write},
		{method: "get", path: "/v2/customers/{id}/saved-payment-methods", scope: read},
		{method: "post", path: "/v2/payment-methods", scope: write,
			note: "psp_tokenization asks a connector configured with CARDVAULT_CONNECTORS for its token; network_tokenization Enable provisions a network token through CARDVAULT_TSP (IR_19, nothing saved, when the card's scheme is not tokenized)"},
		{method: "get", path: "/v2/payment-methods/{id}", scope: read},
		{method: "delete", path: "/v2/payment-methods/{id}", scope: write},
		{method: "put", path: "/v2/payment-methods/{id}/update-saved-payment-method", scope: write, alias: "patch"},
		{method: "get", path: "/v2/payment-methods/{payment_method_id}/check-network-token-status", scope: read,
			note: "asks the token service (CARDVAULT_TSP); a payment method without a network token, or a vault without a token service, is a failure_response; a sandbox token adds sandbox: true and the Cardvault-Sandbox header"},
	}, info("Hyperswitch", "Hyperswitch's v2 customers and saved payment methods (the vault half), served by cardvault."))
	// The vendor forgot the path parameter of update-saved-payment-method.
	item := d["paths"].(obj)["/v2/payment-methods/{id}/update-saved-payment-method"].(obj)
	item["parameters"] = []any{obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"},
		"description": "The payment method id."}}
	// Every operation also takes the profile header, and the key as api-key.
	for _, it := range d["paths"].(obj) {
		for _, o := range it.(obj) {
			if operation, ok := o.(obj); ok {
				params, _ := operation["parameters"].([]any)
				if hasParam(params, "x-profile-id") {
					for _, p := range params { // optional: cardvault defaults it
						if m, ok := p.(obj); ok && strings.EqualFold(fmt.Sprint(m["name"]), "x-profile-id") {
							m["required"] = false
							m["x-cardvault-extension"] = "optional: cardvault uses pro_default when absent"
						}
					}
					continue
				}
				operation["parameters"] = append(params, obj{"name": "X-Profile-Id", "in": "header",
					"required": false, "schema": obj{"type": "string"},
					"description": "The business profile; cardvault uses pro_default when absent."})
			}
		}
	}
	// Errors: the vendor's document declares few error answers, and its
	// GenericErrorResponseOpenApi is not the shape Hyperswitch sends; every
	// operation gets a default answer in the wire shape.
	d["components"].(obj)["schemas"].(obj)["WireError"] = obj{"type": "object", "required": []any{"error"},
		"x-cardvault-note": "the error shape Hyperswitch and cardvault send",
		"properties": obj{"error": obj{"type": "object", "required": []any{"type", "message", "code"}, "additionalProperties": false,
			"properties": obj{"type": obj{"type": "string"}, "message": obj{"type": "string"}, "code": obj{"type": "string"}}}}}
	for _, it := range d["paths"].(obj) {
		for _, o := range it.(obj) {
			if operation, ok := o.(obj); ok {
				responses := operation["responses"].(obj)
				wire := obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/WireError"}}}
				if _, ok := responses["default"]; !ok {
					responses["default"] = obj{"description": "An error.", "content": wire}
				}
				// The vendor's error statuses name no body: they carry
				// the wire shape too.
				for status, r := range responses {
					if m, ok := r.(obj); ok && status[0] != '2' && m["content"] == nil {
						m["content"] = wire
					}
				}
			}
		}
	}
	// A vault never returns a card number or security code: the raw card
	// data (and the network transaction id, optional in Hyperswitch's own
	// code) are not required in cardvault's answers.
	pmr := d["components"].(obj)["schemas"].(obj)["PaymentMethodResponse"].(obj)
	var req []any
	for _, n := range pmr["required"].([]any) {
		if n != "raw_payment_method_data" && n != "network_transaction_id" {
			req = append(req, n)
		}
	}
	pmr["required"] = req
	pmr["x-cardvault-note"] = "raw_payment_method_data (card number, security code) is never returned; network_transaction_id is optional"
	pmr["properties"].(obj)["network_tokenization"] = obj{"type": "object", "required": []any{"status"},
		"x-cardvault-extension": "what became of the card's network token; always present",
		"properties": obj{
			"status": obj{"type": "string", "enum": []any{"active", "suspended", "deleted", "none", "not_enabled"},
				"description": "the token's state, none when the card has no network token, not_enabled when the vault has no token service"},
			"message":          obj{"type": "string"},
			"network_token_id": obj{"type": "string", "description": "the token's id in the vault"},
			"sandbox":          obj{"type": "boolean", "description": "true for a token of the sandbox token service: never a real one"}}}
	sr := d["components"].(obj)["schemas"].(obj)["NetworkTokenStatusCheckSuccessResponse"].(obj)
	sr["properties"].(obj)["sandbox"] = obj{"type": "boolean", "x-cardvault-extension": "true for a token of the sandbox token service"}
	// Hyperswitch's own example of saving a card (shared/seeds) sends no
	// storage_type, and cardvault stores persistently without one.
	pmc := d["components"].(obj)["schemas"].(obj)["PaymentMethodCreate"].(obj)
	var pmcReq []any
	for _, n := range pmc["required"].([]any) {
		if n != "storage_type" {
			pmcReq = append(pmcReq, n)
		}
	}
	pmc["required"] = pmcReq
	relaxHyperswitch(d["components"].(obj)["schemas"].(obj))
	d["components"].(obj)["securitySchemes"] = obj{"api_key": obj{"type": "apiKey", "in": "header", "name": "api-key"}}
	d["security"] = []any{obj{"api_key": []any{}}}
	return to31(d).(obj), nil
}

// hasParam reports whether params holds one named name (any case).
func hasParam(params []any, name string) bool {
	for _, p := range params {
		if m, ok := p.(obj); ok && strings.EqualFold(fmt.Sprint(m["name"]), name) {
			return true
		}
	}
	return false
}

// relaxHyperswitch declares what cardvault accepts beyond Hyperswitch's
// document, found by validating every facade test's exchanges: a card
// needs only its number and expiry (holder, security code and issuing
// country are optional, as in Hyperswitch's own code), a customer update
// any subset of the fields, and a card update may change the expiry.
func relaxHyperswitch(schemas obj) {
	cd := schemas["CardDetail"].(obj)
	cd["required"] = []any{"card_number", "card_exp_month", "card_exp_year"}
	cd["x-cardvault-extension"] = "card_holder_name, card_cvc and card_issuing_country are optional"
	cu := schemas["CustomerUpdateRequest"].(obj)
	delete(cu, "required")
	cu["x-cardvault-extension"] = "any subset of the fields; name and email are not required"
	up := schemas["CardDetailUpdate"].(obj)
	delete(up, "required")
	props := up["properties"].(obj)
	props["card_exp_month"] = obj{"type": "string", "example": "10", "x-cardvault-extension": "cardvault lets the expiry change"}
	props["card_exp_year"] = obj{"type": "string", "example": "35", "x-cardvault-extension": "cardvault lets the expiry change"}
	up["x-cardvault-extension"] = "the expiry may change; card_holder_name is not required"
}
