package vault

// The kinds of record, all in one place so that no two domains share one.
// Each domain declares its RecordType with one of these names; the kind is
// stored in the clear and bound into every record's ciphertext. Package
// audit keeps its own kinds, "audit", "audit_head" and "audit_registry".
const (
	// KindSecurityCode is a security code held apart from its card; id and
	// parent are the card's id.
	KindSecurityCode = "security_code"
	// KindIdempotency is an idempotency key and its stored response; the
	// key is the client's idempotency key.
	KindIdempotency = "idempotency"
	// KindCustomer is a merchant's customer; parent is its profile, key
	// "profile/reference" when it has a reference.
	KindCustomer = "customer"
	// KindPaymentMethod is a card saved for a customer; parent is the
	// customer's id, key "customer id/card fingerprint".
	KindPaymentMethod = "payment_method"
	// KindSession is a browser session; its id is a hash of its secret.
	KindSession = "session"
	// KindForm is a hosted form's settings.
	KindForm = "form"
	// KindFormTombstone marks a deleted form's id as never to be reused.
	KindFormTombstone = "form_tombstone"
	// KindUserKey is a passphrase-protected user key pair; key is the user
	// name.
	KindUserKey = "user_key"
	// KindEntry is data sealed to a user key; key is "token:reference",
	// parent the token.
	KindEntry = "entry"
	// KindCaptureEndpoint is an endpoint that seals without a passphrase;
	// parent is its user key's record id.
	KindCaptureEndpoint = "capture_endpoint"
	// KindRetrieveEndpoint is a one-time copy of an entry sealed under a
	// key derived from its secret; parent is its user key's record id.
	KindRetrieveEndpoint = "retrieve_endpoint"
	// KindJWTKey is a merchant's public key for signed-JWT authentication
	// (Gr4vy's SDKs); its id is the key's RFC 7638 thumbprint, the JWT kid.
	KindJWTKey = "jwt_key"
	// KindJWTUse records one use of a JWT until the token expires; key is
	// "kid/jti", so that a second use conflicts on every node.
	KindJWTUse = "jwt_use"
	// KindBuyer is a merchant's buyer; key is the keyed hash of its
	// external identifier, when it has one.
	KindBuyer = "buyer"
	// KindBuyerCard links a stored card to the buyer it belongs to; id is
	// the card's id, parent the buyer's.
	KindBuyerCard = "buyer_card"
	// KindBuyerAddress is a shipping address of a buyer; parent is the
	// buyer's id.
	KindBuyerAddress = "buyer_address"
	// KindCheckoutSession is a short-lived session through which a
	// shopper's browser hands over a card and its security code; its id is
	// the browser's credential, and its expiry is the session's.
	KindCheckoutSession = "checkout_session"
	// KindCardToken is a payment provider's token of a stored card; parent
	// is the card's id.
	KindCardToken = "card_token"
	// KindNetworkToken is a card network's token (DPAN) of a stored card;
	// parent is the card's id.
	KindNetworkToken = "network_token"
	// KindNetworkCryptogram is a single-use cryptogram of a network token;
	// id is its reference, parent the token's id.
	KindNetworkCryptogram = "network_cryptogram"
	// KindNetworkTokenEvent is a lifecycle event of a network token; parent
	// is the token's id.
	KindNetworkTokenEvent = "network_token_event"
	// KindKeyLastUse is when an API key was last used (lastuse.go); id is
	// the key's id.
	KindKeyLastUse = "key_last_use"
	// KindConsoleSession is an operator's console session
	// (consolesessions); its id is a hash of the browser's secret.
	KindConsoleSession = "console_session"
	// KindWebhookEndpoint is a tenant's webhook endpoint: its URL, the
	// events it wants and its signing secret.
	KindWebhookEndpoint = "webhook_endpoint"
	// KindWebhookDelivery is one event due to one webhook endpoint (the
	// outbox); key is "event id/endpoint id", parent its state.
	KindWebhookDelivery = "webhook_delivery"
	// KindAuditPending is an audit event written in the transaction of the
	// write it reports (auditpending.go), until the audit log links it
	// into the tenant's chain and deletes it.
	KindAuditPending = "audit_pending"
)
