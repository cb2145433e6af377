// Package hgframe renders the frames behind Hellgate's Web SDK
// (@starfish-codes/hellgate): the field frames the SDK mounts for each card
// input and the coordinator frame that reads them, encrypts the card to the
// session's key and completes the session. A merchant page points the SDK
// at the vault with window.HG_IFRAME_HOST and keeps its code.
//
// The invariants, which the pages' scripts keep and the tests check:
//   - card data never leaves the vault's origin except to the vault: the
//     field frames hand their values only to a coordinator frame of the
//     same origin under the same parent window, and the coordinator sends
//     them only as a JWE to the session's complete-action;
//   - every message goes to the parent window only, to the origin the SDK
//     declared (the origin query parameter), and carries no card data;
//     messages are accepted only from that parent and origin;
//   - each page may be framed only by the declared origin (CSP
//     frame-ancestors), and the coordinator only when the session allows
//     that origin;
//   - scripts and styles run only with the response's nonce.
package hgframe
