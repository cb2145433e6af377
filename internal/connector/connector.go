// Package connector loads the operator's payment-provider connectors (a
// JSON file named by CARDVAULT_CONNECTORS) and asks a provider for its own
// token of a stored card: it renders the connector's body template with the
// card (forward's placeholder syntax), relays it through the forward relay
// (same allowlist and SSRF guard as every forward) and reads the token from
// the provider's response at a JSON pointer.
package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/objectid"
)

// MaxFileSize caps the connector file.
const MaxFileSize = 1 << 20

// Bounds of a connector's timeout.
const (
	MinTimeout = time.Second
	MaxTimeout = 120 * time.Second
)

// syntax is the placeholder syntax of connector templates: Gr4vy's
// (CARD_NUMBER_1, …) or Guardian's (account_number, …), one card.
var syntax = forward.Either(forward.Gr4vy, forward.Guardian)

// envPattern finds ${NAME} references in header values.
var envPattern = regexp.MustCompile(`\$\{([^}]*)\}`)

// envName is what NAME in ${NAME} may look like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// spec is one connector as the file writes it.
type spec struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	URL         string            `json:"url"`
	Method      string            `json:"method"`
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"content_type"`
	Body        string            `json:"body"`
	// TokenPointer is where the provider's token is in its JSON response.
	TokenPointer string `json:"token_pointer"`
	// ErrorPointer, optional, is where the provider puts an error message.
	ErrorPointer string `json:"error_pointer"`
	// Timeout, optional, is a Go duration such as "15s".
	Timeout string `json:"timeout"`
}

// Connector is one validated connector: a provider's tokenization call.
type Connector struct {
	// ID names the connector in requests (psp_tokenization.connector_id).
	ID          string
	url         string
	host        string
	method      string
	header      http.Header
	contentType string
	body        *forward.Template
	token       Pointer
	errMsg      Pointer
	hasErrMsg   bool
	timeout     time.Duration
}

// Set is the operator's connectors, by id. The zero Set and a nil *Set
// hold none.
type Set struct {
	byID map[string]*Connector
}

// Load reads and validates the connector file at path. ${NAME} in header
// values is replaced by getenv(NAME), so secrets stay out of the file; an
// unset or empty variable is an error, and so is a CARDVAULT_* name (the
// vault's own configuration, never sent to a provider). Every problem in the file is
// reported at once; no error ever quotes a header value.
func Load(path string, getenv func(string) string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("connectors: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("connectors: read %s: %w", path, err)
	}
	if len(raw) > MaxFileSize {
		return nil, fmt.Errorf("connectors: %s is larger than %d bytes", path, MaxFileSize)
	}
	return Parse(raw, getenv)
}

// Parse validates a connector file's content; see Load.
func Parse(raw []byte, getenv func(string) string) (*Set, error) {
	var file struct {
		Connectors []spec `json:"connectors"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("connectors: the file is not valid connector JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("connectors: the file has data after the JSON object")
	}
	set := &Set{byID: map[string]*Connector{}}
	var errs []error
	for i, s := range file.Connectors {
		c, err := build(s, getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("connectors[%d] %q: %w", i, s.ID, err))
			continue
		}
		if _, dup := set.byID[c.ID]; dup {
			errs = append(errs, fmt.Errorf("connectors[%d] %q: the id is used twice", i, s.ID))
			continue
		}
		set.byID[c.ID] = c
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// build validates one connector, reporting all of its problems.
func build(s spec, getenv func(string) string) (*Connector, error) {
	c := &Connector{ID: s.ID, method: strings.ToUpper(s.Method), contentType: s.ContentType, header: http.Header{}}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !objectid.Valid(s.ID) {
		bad("id must be " + objectid.Rule)
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		bad("url must be an absolute http or https URL without user info")
	} else {
		c.url, c.host = s.URL, u.Hostname()
	}
	if c.method == "" {
		c.method = http.MethodPost
	}
	if !slices.Contains([]string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodGet}, c.method) {
		bad("method must be POST, PUT, PATCH or GET")
	}
	if c.contentType == "" {
		c.contentType = "application/json"
	}
	for name, value := range s.Headers {
		v, err := expand(value, getenv)
		if err != nil {
			bad("header %q: %v", name, err)
			continue
		}
		if strings.EqualFold(name, "Content-Type") {
			bad("header %q: set content_type instead", name)
			continue
		}
		if !validHeader(name, v) {
			bad("header %q: invalid header name or value", name)
			continue
		}
		c.header.Set(name, v)
	}
	c.header.Set("Content-Type", c.contentType)
	if err := c.parseBody(s.Body); err != nil {
		bad("body: %v", err)
	}
	if s.TokenPointer == "" {
		bad("token_pointer is required")
	} else if p, err := ParsePointer(s.TokenPointer); err != nil {
		bad("token_pointer: %v", err)
	} else {
		c.token = p
	}
	if s.ErrorPointer != "" {
		p, err := ParsePointer(s.ErrorPointer)
		if err != nil {
			bad("error_pointer: %v", err)
		}
		c.errMsg, c.hasErrMsg = p, err == nil
	}
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil || d < MinTimeout || d > MaxTimeout {
			bad("timeout must be a duration from %s to %s", MinTimeout, MaxTimeout)
		}
		c.timeout = d
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// parseBody parses the body template and checks that it names only
// placeholders of one card.
func (c *Connector) parseBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return errors.New("a body template is required")
	}
	tpl, err := forward.Parse([]byte(body))
	if err != nil {
		return err
	}
	if _, err := tpl.Check(syntax, 1); err != nil {
		return err
	}
	c.body = tpl
	return nil
}

// reservedEnvPrefix starts the names of the vault's own configuration
// (CARDVAULT_MASTER_KEY, CARDVAULT_DATABASE_URL, CARDVAULT_BOOTSTRAP_API_KEY,
// …), which a connector must never send to a provider.
const reservedEnvPrefix = "CARDVAULT_"

// expand replaces every ${NAME} in v by getenv(NAME). Names of the vault's
// own configuration (reservedEnvPrefix, in any case) are refused before
// they are read. Errors name the variable, never its value.
func expand(v string, getenv func(string) string) (string, error) {
	var err error
	out := envPattern.ReplaceAllStringFunc(v, func(m string) string {
		name := m[2 : len(m)-1]
		if !envName.MatchString(name) {
			err = fmt.Errorf("${%s} is not a valid environment variable name", name)
			return ""
		}
		if strings.HasPrefix(strings.ToUpper(name), reservedEnvPrefix) {
			err = fmt.Errorf("${%s} is refused: %s* variables are the vault's own configuration (its keys among them) and are never sent to a provider", name, reservedEnvPrefix)
			return ""
		}
		val := getenv(name)
		if val == "" && err == nil {
			err = fmt.Errorf("${%s} is not set", name)
		}
		return val
	})
	return out, err
}

// validHeader reports whether name is an HTTP token and v holds no
// control characters.
func validHeader(name, v string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for i := range len(v) {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Len reports how many connectors the set holds.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byID)
}

// IDs lists the connector ids in order.
func (s *Set) IDs() []string {
	if s == nil {
		return nil
	}
	ids := make([]string, 0, len(s.byID))
	for id := range s.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// get returns the connector with id, or nil.
func (s *Set) get(id string) *Connector {
	if s == nil {
		return nil
	}
	return s.byID[id]
}
