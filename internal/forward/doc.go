// Package forward injects stored card data into a merchant's request and
// relays it to a payment provider: a template engine for every placeholder
// syntax the vault speaks, and a relay that only talks to allow-listed
// destinations.
//
// The template half is pure: Parse a body once, ask it which cards and
// security codes it needs (Check), then Render it with the real values
// (Values) or masked ones for a dry run (Masked). Values are escaped for the
// body's own syntax (Template.Kind: JSON, XML, form data), never for the
// Content-Type label a caller sends, so no card value can change the
// payload's structure; a body of unknown syntax takes only inert values.
//
// The relay half (Relay.Do) sends the rendered request. It checks the
// destination against the operator's Allowlist, refuses loopback, private,
// link-local and other special addresses unless a rule names them, dials the
// very address it checked (no DNS rebinding), never follows redirects, caps
// bodies and time, and strips hop-by-hop headers and the vault's own
// credentials.
//
// Errors are typed so that facades can map them: *TemplateError and
// *RefusedError mean nothing was sent (a 4xx), *UpstreamError means no
// response came back. None of their messages ever contains card data.
package forward
