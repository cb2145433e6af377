package guardian

import (
	"bytes"
	"encoding/json"
)

// parseAllowedOrigins reads source.allowed_origins, cardvault's extension of
// a session source: the origins that may frame the session's form
// (GET /sessions/{id}/form) and receive its message. Absent or null means
// none (only the vault itself may frame it); otherwise it must be an array
// of strings. The vault checks and normalises each origin when it creates
// the session (vault.ParseFormOrigin), so this only reads the JSON.
//
// createToken passes the result as sessions.Params.AllowedOrigins for a
// session source and refuses the member on a pan source.
func parseAllowedOrigins(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var out []string
	if bytes.TrimSpace(raw)[0] != '[' || json.Unmarshal(raw, &out) != nil {
		return nil, badRequest("source.allowed_origins",
			`source.allowed_origins must be an array of origins such as "https://shop.example"`)
	}
	return out, nil
}
