package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// SessionKind is the record kind of capture sessions.
const SessionKind = "session"

// A capture session lets a browser hand card data to the vault without an
// API key: the session id is the credential. It is 256 bits of randomness,
// shown once to the merchant that made it and stored only as a hash (the
// record id), so a copy of the store cannot be used to complete a session.
// A session is single-use and short-lived: the first completion wins
// (a version-checked update in the same transaction that stores the card),
// and after its deadline it can only be read, as expired.

// SessionPurpose says what a session collects.
type SessionPurpose string

// The purposes a session can have.
const (
	// SessionTokenize collects a whole card and stores it as a new card.
	SessionTokenize SessionPurpose = "tokenize"
	// SessionSecurityCode collects only the security code of a stored card
	// and holds it apart from the card (see HoldSecurityCode).
	SessionSecurityCode SessionPurpose = "security_code"
)

// SessionState is where a session stands.
type SessionState string

// The states of a session. Only a pending session can be completed.
const (
	SessionPending   SessionState = "pending"
	SessionCompleted SessionState = "completed"
	SessionExpired   SessionState = "expired"
	SessionFailed    SessionState = "failed"
)

// Session limits.
const (
	// DefaultSessionTTL is how long a session can be completed when the
	// creator does not say.
	DefaultSessionTTL = 15 * time.Minute
	// MaxSessionTTL bounds a session's lifetime.
	MaxSessionTTL = time.Hour
	// MaxSessionAttempts is how many rejected completions (bad card data,
	// undecryptable payloads) a session takes before it fails for good.
	MaxSessionAttempts = 5
	// sessionRetention is how long after its deadline a session can still
	// be read (as completed, failed or expired) before the store drops it.
	sessionRetention = 24 * time.Hour
	// sessionIDLen is the length of a session id: 43 characters of 6 bits.
	sessionIDLen = 43
	// fieldSessionKey is bound into the sealed key material's ciphertext.
	fieldSessionKey = "session_key"
	// fieldSessionOrigins is bound into the sealed allowed origins' ciphertext.
	fieldSessionOrigins = "allowed_origins"
)

// NewSession describes a session to create.
type NewSession struct {
	Tenant  string
	Purpose SessionPurpose
	// CardID is the card whose security code a SessionSecurityCode session collects.
	CardID string
	// TTL is how long the session can be completed; zero means DefaultSessionTTL.
	TTL time.Duration
	// Metadata is given to the card a SessionTokenize session creates.
	Metadata map[string]string
	// TokenTTL, when not zero, is how long the card a SessionTokenize session
	// creates lives after completion.
	TokenTTL time.Duration
	// KeyMaterial is opaque to the vault (e.g. the private key a browser
	// encrypts card data to). It is sealed at rest and dropped when the
	// session ends.
	KeyMaterial []byte
	// AllowedOrigins may frame the session's hosted form and receive its
	// message (serialised origins, checked as ParseFormOrigin does, at most
	// MaxFormOrigins); nil means only the vault itself.
	AllowedOrigins []string
}

// Session is a capture session as its readers see it.
type Session struct {
	// ID is the session's secret id.
	ID      string
	Tenant  string
	Purpose SessionPurpose
	State   SessionState
	// CardID is the card the session is for (security code) or created
	// (tokenize, once completed).
	CardID   string
	Metadata map[string]string
	TokenTTL time.Duration
	// Attempts counts rejected completions.
	Attempts int
	// Reason says why a failed session failed.
	Reason      string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	CompletedAt time.Time
	// KeyMaterial is the creator's opaque key material while the session is
	// pending, nil after.
	KeyMaterial []byte
	// AllowedOrigins are the normalised origins that may frame the
	// session's hosted form; nil means only the vault itself.
	AllowedOrigins []string
}

// sessionData is what a session record's Data holds.
type sessionData struct {
	Purpose     SessionPurpose    `json:"purpose"`
	State       SessionState      `json:"state"`
	CardID      string            `json:"card_id,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	TokenTTL    int64             `json:"token_ttl_s,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	Reason      string            `json:"reason,omitempty"`
	Deadline    time.Time         `json:"deadline"`
	CompletedAt time.Time         `json:"completed_at,omitzero"`
	// SealedKey is the creator's key material, sealed; nil once the session ended.
	SealedKey []byte `json:"sealed_key,omitempty"`
	// SealedOrigins are the origins that may frame the session's hosted
	// form (a JSON list), sealed to the tenant, the record and the field,
	// so that whoever can write the store cannot add one (nor move another
	// session's list here). A clear allowed_origins member, should a record
	// have one, is ignored.
	SealedOrigins []byte `json:"sealed_origins,omitempty"`
	// origins are SealedOrigins opened by loadSession.
	origins []string
}

// sessionRecordID is the record id of a session: the hash of its secret id.
func sessionRecordID(secret string) string {
	sum := sha256.Sum256([]byte("session:" + secret))
	return hex.EncodeToString(sum[:])
}

// validSessionID reports whether s can be a session id at all, so that
// malformed ids are refused before the store is asked.
func validSessionID(s string) bool {
	if len(s) != sessionIDLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
