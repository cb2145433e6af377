package seal

import (
	"fmt"
	"log/slog"
)

// Key-holding types print and log as fixed text: fmt would otherwise walk
// their unexported fields (key bytes, AES key schedules) into a log line.

// Format writes the version and "REDACTED", never the key, for every verb.
func (dk DataKey) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "seal.DataKey{Version:%d, key:REDACTED}", dk.Version)
}

// LogValue logs the version only, never the key.
func (dk DataKey) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("seal.DataKey{Version:%d, key:REDACTED}", dk.Version))
}

// Format writes "REDACTED", never the key, for every verb.
func (IndexKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, "seal.IndexKey{REDACTED}") }

// LogValue logs "REDACTED", never the key.
func (IndexKey) LogValue() slog.Value { return slog.StringValue("seal.IndexKey{REDACTED}") }

// Format writes the current version and "REDACTED", never key material.
func (k Keyring) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "seal.Keyring{Current:%d, REDACTED}", k.current)
}

// LogValue logs the current version only, never key material.
func (k Keyring) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("seal.Keyring{Current:%d, REDACTED}", k.current))
}

// Format writes the current version and "REDACTED", never key material.
func (s Sealer) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "seal.Sealer{Current:%d, REDACTED}", s.current)
}

// LogValue logs the current version only, never key material.
func (s Sealer) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("seal.Sealer{Current:%d, REDACTED}", s.current))
}

// Format writes "REDACTED", never the private key, for every verb.
func (UnlockedKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, "seal.UnlockedKey{REDACTED}") }

// LogValue logs "REDACTED", never the private key.
func (UnlockedKey) LogValue() slog.Value { return slog.StringValue("seal.UnlockedKey{REDACTED}") }
