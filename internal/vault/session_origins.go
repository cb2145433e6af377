package vault

import "slices"

// sessionOrigins checks the origins a session's creator allows to frame its
// hosted form, as a hosted form's allowed origins are checked (see
// ParseFormOrigin), and returns them normalised and without repeats; nil
// (only the vault itself may frame the form) when there are none.
func sessionOrigins(in []string) ([]string, error) {
	if len(in) > MaxFormOrigins {
		return nil, Invalid("allowed_origins", "at most %d allowed origins", MaxFormOrigins)
	}
	var out []string
	for i, o := range in {
		norm, err := ParseFormOrigin(o)
		if err != nil {
			return nil, Invalid("allowed_origins", "allowed_origins[%d]: %s", i, AsError(err).Public)
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out, nil
}
