// Package seal provides envelope encryption, blind index, secrets and
// passphrase keys for cardvault; storage only ever sees ciphertext.
//
// # Keys
//
// A master key (KEK, held in a [Keyring]) wraps per-tenant data keys
// ([DataKey]) and index keys ([IndexKey]); data keys seal fields through a
// [Sealer]. PCI Vault users own an HPKE key pair ([UserKey]) whose private half
// is wrapped under a key derived from their passphrase with Argon2id; data
// stored under a user key is sealed with a fresh data key that is itself
// sealed to the user's public key ([NewUserDataKey], [NewEndpointKey]).
//
// # Invariants
//
// Every symmetric ciphertext this package produces has the same
// self-describing layout:
//
//	format (1 byte, = 1) | key version (4 bytes, big endian) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// The 5-byte header is authenticated: the GCM additional data is the header
// followed by the caller's context (for fields, the encoded [AAD] binding
// tenant, record and field), so neither the header nor the context can be
// changed without opening failing. Opening either returns the whole
// plaintext or an error wrapping [ErrOpen]; it never returns partial or
// unauthenticated bytes. Keys are rotated by adding a version, never by
// changing the format: old versions stay openable while new writes use the
// current one.
//
// Nonces are 96 random bits, so a single key must seal far fewer than 2^32
// messages; rotate data keys long before that.
//
// Errors never contain key material, passphrases, secrets or plaintext, and
// the key types redact themselves when formatted or logged.
package seal
