// Package card holds card values: PAN, expiry, security code, holder; pure, no I/O.
//
// PAN and SecurityCode redact themselves: String, GoString, Format (every
// verb), LogValue, MarshalJSON and MarshalText all yield the masked form, so a
// card number or security code cannot reach a log line, an error message, a
// metric label or a JSON body by accident. Digits is the one deliberate way
// to read the raw value.
//
// Two limits are outside any type's control, because there fmt prints by
// reflection without calling methods: a value held in an unexported struct
// field, and the %p verb given a non-pointer (which go vet reports). Keep PAN
// and SecurityCode in exported fields, or never format the struct that holds
// them.
package card
