// Package sessions lets a browser hand card data to the vault without an
// API key: a capture session's secret id is the credential. The id is 256
// bits of randomness, shown once to the merchant that made it and stored
// only as a hash (the record id), so a copy of the store cannot be used to
// complete a session. A session is single-use and short-lived: the first
// completion wins (a version-checked update in the same transaction that
// stores the card), and after its deadline it can only be read, as expired.
package sessions
