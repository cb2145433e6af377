package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"
)

// Decode reads a JSON request body into a T. It refuses bodies over the
// limit (too_large), non-JSON content types, malformed JSON, trailing data
// and, when strict, unknown fields, each as a *vault.Error.
func Decode[T any](r *http.Request, strict bool) (T, error) {
	var v T
	raw, err := ReadBody(r)
	if err != nil {
		return v, err
	}
	if !strict {
		// A body json.Unmarshal decodes (one JSON value, space around it)
		// DecodeBytes decodes the same; Unmarshal reads it in place where a
		// Decoder first copies it into a buffer of its own. Any body it
		// refuses goes to DecodeBytes, whose error is the answer.
		if json.Unmarshal(raw, &v) == nil {
			return v, nil
		}
		var zero T
		v = zero
	}
	if err := DecodeBytes(raw, &v, strict); err != nil {
		return v, err
	}
	return v, nil
}

// ReadBody reads the whole request body, turning an over-limit body into a
// too_large error and a form or non-JSON content type into invalid.
func ReadBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(len(mt) > 5 && mt[len(mt)-5:] == "+json") && mt != "text/plain") {
			return nil, vault.Invalid("content-type", "request body must be JSON (Content-Type: application/json)")
		}
	}
	raw, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &vault.Error{Code: vault.CodeTooLarge, Public: fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	}
	if err != nil {
		return nil, vault.Invalid("body", "could not read the request body")
	}
	return raw, nil
}

// DecodeBytes parses JSON into v with the same rules as Decode. Error
// messages name the field and the problem but never echo the input.
func DecodeBytes(raw []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return vault.Invalid("body", "request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return vault.Invalid("body", "request body has data after the JSON value")
	}
	return nil
}

// jsonError describes a decoding failure without quoting the input.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return vault.Invalid("body", "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return vault.Invalid(typ.Field, "field %q must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return vault.Invalid("body", "request body must be a JSON %s", jsonKind(typ.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return vault.Invalid("body", "malformed JSON: unexpected end of input")
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return vault.Invalid("body", "unknown field %s", RedactDigits(field))
	}
	return vault.Invalid("body", "malformed JSON")
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return k
}

// Encode writes v as JSON with the status code.
func Encode(w http.ResponseWriter, status int, v any) {
	jsonHeader(w.Header())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// jsonHeader sets the header fields of every JSON answer.
func jsonHeader(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}
