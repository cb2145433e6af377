// Package webhooks tells merchants about changes they did not cause
// through a call: a network token suspended, resumed or deleted, a held
// security code that expired. Each tenant registers endpoints (a URL, the
// event types it wants); every event due to an endpoint becomes one
// delivery in a durable outbox kept in the store, and a deliverer on every
// node posts it, signed, until the endpoint answers 2xx or the retries run
// out.
//
// The invariants, and where they come from:
//
//   - Durable: an event is in the store (a sealed, tenant-bound record of
//     kind vault.KindWebhookDelivery) before anything is sent, and stays
//     there, pending, until an attempt succeeds; a restart loses nothing.
//   - At least once, never concurrently twice: a node claims a delivery by
//     a compare-and-set on the record's version, writing a lease. Only one
//     claimer wins on SQLite and PostgreSQL alike. A node that dies
//     mid-attempt leaves the lease to run out, after which another node
//     claims it again; an attempt is cut off well before its lease ends, so
//     no two attempts of one delivery overlap. The receiver may still see
//     an event twice (the answer lost on the way back): every delivery of
//     one event carries the same event id, to de-duplicate on.
//   - Authentic: the body is signed with HMAC-SHA256 under the endpoint's
//     secret over "timestamp.body" (Cardvault-Signature: t=…,v1=…). The
//     secret is shown once, at creation, and kept only sealed.
//   - Safe destinations: an endpoint's URL passes the forward relay's
//     allowlist and SSRF checks when it is registered, and every attempt
//     is sent through that relay, so the checks hold at send time too.
//   - No card data: events name cards and tokens by id. Bodies are sealed
//     at rest anyway, so a writer to the store cannot change what the vault
//     signs.
package webhooks
