package sessions

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"
)

// Purpose says what a session collects.
type Purpose string

// The purposes a session can have.
const (
	// Tokenize collects a whole card and stores it as a new card.
	Tokenize Purpose = "tokenize"
	// SecurityCode collects only the security code of a stored card
	// and holds it apart from the card (see vault.Service.HoldSecurityCode).
	SecurityCode Purpose = "security_code"
)

// State is where a session stands.
type State string

// The states of a session. Only a pending session can be completed.
const (
	Pending   State = "pending"
	Completed State = "completed"
	Expired   State = "expired"
	Failed    State = "failed"
)

// Session limits.
const (
	// DefaultTTL is how long a session can be completed when the
	// creator does not say.
	DefaultTTL = 15 * time.Minute
	// MaxTTL bounds a session's lifetime.
	MaxTTL = time.Hour
	// MaxAttempts is how many rejected completions (bad card data,
	// undecryptable payloads) a session takes before it fails for good.
	MaxAttempts = 5
	// sessionRetention is how long after its deadline a session can still
	// be read (as completed, failed or expired) before the store drops it.
	sessionRetention = 24 * time.Hour
	// legacySessionIDLen is the length of a session id made before ids
	// became UUIDs: 43 characters of 6 bits. Such ids are still accepted
	// until their sessions are purged.
	legacySessionIDLen = 43
)

// Params describe a session to create.
type Params struct {
	Tenant  string
	Purpose Purpose
	// CardID is the card whose security code a SecurityCode session collects.
	CardID string
	// TTL is how long the session can be completed; zero means DefaultTTL.
	TTL time.Duration
	// Metadata is given to the card a Tokenize session creates.
	Metadata map[string]string
	// TokenTTL, when not zero, is how long the card a Tokenize session
	// creates lives after completion.
	TokenTTL time.Duration
	// KeyMaterial is opaque to the vault (e.g. the private key a browser
	// encrypts card data to). It is sealed at rest and dropped when the
	// session ends.
	KeyMaterial []byte
	// AllowedOrigins may frame the session's hosted form and receive its
	// message (serialised origins, checked as vault.ParseFormOrigin does, at
	// most vault.MaxFormOrigins); nil means only the vault itself.
	AllowedOrigins []string
}

// Session is a capture session as its readers see it.
type Session struct {
	// ID is the session's secret id.
	ID      string
	Tenant  string
	Purpose Purpose
	State   State
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

// sessionData is a session record's value. Sealed with the rest of the
// record, the allowed origins cannot be added to, nor moved from another
// session, by whoever can write the store.
type sessionData struct {
	Purpose     Purpose           `json:"purpose"`
	State       State             `json:"state"`
	CardID      string            `json:"card_id,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	TokenTTL    int64             `json:"token_ttl_s,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	Reason      string            `json:"reason,omitempty"`
	Deadline    time.Time         `json:"deadline"`
	CompletedAt time.Time         `json:"completed_at,omitzero"`
	// Key is the creator's key material; nil once the session ended.
	Key []byte `json:"key,omitempty"`
	// Origins are the origins that may frame the session's hosted form.
	Origins []string `json:"allowed_origins,omitempty"`
}

// sessionRecords are the sessions; a security-code session's parent is its card.
var sessionRecords = vault.NewRecordType(vault.KindSession, 1, nil, func(d *sessionData) string {
	if d.Purpose == SecurityCode {
		return d.CardID
	}
	return ""
})

// newSessionID returns a new secret session id: a random version-4 UUID
// (122 bits from crypto/rand), as Guardian's document types session_id.
func newSessionID() string { return uuid.New().String() }

// sessionRecordID is the record id of a session: the hash of its secret id
// (a UUID in its lower-case form, so a client that upper-cases it still
// finds its session).
func sessionRecordID(secret string) string {
	if len(secret) == uuidLen {
		secret = strings.ToLower(secret)
	}
	sum := sha256.Sum256([]byte("session:" + secret))
	return hex.EncodeToString(sum[:])
}

// uuidLen is the length of a UUID in its canonical 8-4-4-4-12 form.
const uuidLen = 36

// validSessionID reports whether s can be a session id at all, so that
// malformed ids are refused before the store is asked: a version-4 UUID in
// canonical form, or a legacy 43-character id.
func validSessionID(s string) bool {
	if len(s) == uuidLen {
		u, err := uuid.Parse(s)
		return err == nil && u.Version() == 4 && u.Variant() == uuid.RFC4122
	}
	return len(s) == legacySessionIDLen && objectid.Valid(s)
}
