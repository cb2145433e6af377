package hgframe

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"

	"github.com/cardvault/cardvault/internal/web"
)

// titles names each field type the SDK mounts (its ElementType, served as
// ?field=NAME) for assistive technology: the frame document's title.
var titles = map[string]string{"card": "Card details", "cardNumber": "Card number", "cardExpirationDate": "Card expiry date",
	"cardExpirationMonth": "Card expiry month", "cardExpirationYear": "Card expiry year",
	"cardVerificationCode": "Card security code", "text": "Text field"}

// IsElement reports whether name is a field type the frames serve.
func IsElement(name string) bool { _, ok := titles[name]; return ok }

// Field describes one field frame. Every member is required.
type Field struct {
	// Nonce is this response's CSP nonce (web.NewNonce).
	Nonce string
	// Element is the SDK's element type (IsElement).
	Element string
	// Origin is the origin the SDK declared, a serialised origin checked
	// by the caller (vault.ParseFormOrigin): the only one that may frame
	// the page and the only one its messages go to.
	Origin string
}

// Coordinator describes one coordinator frame. Every member is required.
type Coordinator struct {
	// Nonce is this response's CSP nonce (web.NewNonce).
	Nonce string
	// Origin is the declared origin, which the caller has checked the
	// session allows.
	Origin string
	// SessionID is the session the coordinator completes.
	SessionID string
	// APIBase is the SDK's apiBaseUrl; the script calls it only when it is
	// the frame's own origin (and CSP connect-src 'self' holds it there).
	APIBase string
}

//go:embed assets
var assets embed.FS

// view is what frame.html renders.
type view struct {
	Nonce  string
	Title  string
	CSS    template.CSS
	Script template.JS
	Config any
}

// fieldConfig is the JSON a field frame's script reads.
type fieldConfig struct {
	Element    string `json:"element"`
	Origin     string `json:"origin"`
	Schemes    any    `json:"schemes"`
	SchemeInfo any    `json:"schemeInfo"`
}

// coordinatorConfig is the JSON the coordinator's script reads.
type coordinatorConfig struct {
	Origin     string `json:"origin"`
	SessionID  string `json:"sessionId"`
	APIBase    string `json:"apiBase"`
	Schemes    any    `json:"schemes"`
	SchemeInfo any    `json:"schemeInfo"`
}

// RenderField writes a field frame with status 200 and its headers, or
// returns an error before writing anything.
func RenderField(w http.ResponseWriter, f Field) error {
	if !IsElement(f.Element) {
		return errors.New("hgframe: unknown element")
	}
	cfg := fieldConfig{Element: f.Element, Origin: f.Origin, Schemes: web.SchemeRanges(), SchemeInfo: web.SchemeInfos()}
	return render(w, f.Nonce, f.Origin, titles[f.Element], "field.js", cfg)
}

// RenderCoordinator writes the coordinator frame with status 200 and its
// headers, or returns an error before writing anything.
func RenderCoordinator(w http.ResponseWriter, c Coordinator) error {
	if c.SessionID == "" {
		return errors.New("hgframe: no session")
	}
	cfg := coordinatorConfig{Origin: c.Origin, SessionID: c.SessionID, APIBase: c.APIBase,
		Schemes: web.SchemeRanges(), SchemeInfo: web.SchemeInfos()}
	return render(w, c.Nonce, c.Origin, "Card coordinator", "coordinator.js", cfg)
}

// render builds a page around script and writes it.
func render(w http.ResponseWriter, nonce, origin, title, script string, cfg any) error {
	if origin == web.Self || origin == web.AnyHTTPS {
		return errors.New("hgframe: the origin must be a serialised origin")
	}
	policy, err := web.Policy(nonce, []string{origin})
	if err != nil {
		return err
	}
	t, err := template.ParseFS(assets, "assets/frame.html")
	if err != nil {
		return err
	}
	css, err := assets.ReadFile("assets/frame.css")
	if err != nil {
		return err
	}
	card, err := web.CardScript()
	if err != nil {
		return err
	}
	common, err := assets.ReadFile("assets/common.js")
	if err != nil {
		return err
	}
	js, err := assets.ReadFile("assets/" + script)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	v := view{Nonce: nonce, Title: title, CSS: template.CSS(css), Script: template.JS(card + "\n" + string(common) + "\n" + string(js)),
		Config: template.JS(raw)}
	if err := t.Execute(&buf, v); err != nil {
		return err
	}
	web.SetPageHeaders(w, policy)
	w.WriteHeader(http.StatusOK)
	_, err = buf.WriteTo(w)
	return err
}
