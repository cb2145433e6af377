package seal

import "errors"

var (
	// ErrOpen means a ciphertext could not be opened: it is truncated, of an
	// unknown format, sealed under a key that is not available, bound to
	// another context, or altered. No plaintext accompanies it.
	ErrOpen = errors.New("seal: ciphertext cannot be opened")

	// ErrUnknownKeyVersion is wrapped, together with ErrOpen, when a
	// ciphertext names a key version that the Keyring or Sealer does not hold.
	ErrUnknownKeyVersion = errors.New("unknown key version")

	// ErrWrongMasterKey means the configured master key is not the one the
	// data store was created with. Its text is safe to show an operator.
	ErrWrongMasterKey = errors.New("master key does not match the one this data store was created with")

	// ErrWrongPassphrase means a passphrase did not unlock a user key. Its
	// text is safe to show a client.
	ErrWrongPassphrase = errors.New("wrong passphrase")
)
