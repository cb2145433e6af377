package card

// InvalidError reports a card value that failed to parse. Its text names the
// field and the rule that failed and never contains the input, so it is safe
// to log and to show to a client.
type InvalidError struct {
	// Field names the value, such as "card number" or "expiry".
	Field string
	// Reason says which rule the input broke, such as "fails the Luhn check".
	Reason string
}

// Error returns "field: reason".
func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, reason string) error { return &InvalidError{Field: field, Reason: reason} }
