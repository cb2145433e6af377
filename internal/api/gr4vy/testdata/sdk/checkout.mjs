// Drives the buyer and checkout-session surface of cardvault's Gr4vy facade
// with Gr4vy's official TypeScript SDK, signing every request with
// withToken({ privateKey }) as against Gr4vy: create a buyer (and shipping
// details), create a checkout session, fill its fields as Secure Fields
// would (PUT …/fields with no credential but the session id; the SDK has no
// call for it), store the session's card for the buyer, list the buyer's
// payment methods, update the buyer and the session, then delete the
// payment method, the session and the buyer. Prints one JSON object; the Go
// test (../../sdk_test.go) checks it. Never prints a card number.
//
//   CARDVAULT_URL=… CARDVAULT_PRIVATE_KEY_FILE=private.pem node checkout.mjs
import { readFileSync } from "node:fs";
import { Gr4vy, withToken } from "@gr4vy/sdk";

const serverURL = process.env.CARDVAULT_URL;
const keyFile = process.env.CARDVAULT_PRIVATE_KEY_FILE;
if (!serverURL || !keyFile) {
  console.error("set CARDVAULT_URL and CARDVAULT_PRIVATE_KEY_FILE");
  process.exit(2);
}
const gr4vy = new Gr4vy({
  serverURL,
  bearerAuth: withToken({ privateKey: readFileSync(keyFile, "utf8") }),
  merchantAccountId: "default",
});

function describe(err) {
  return { name: err?.name, statusCode: err?.statusCode, message: err?.message };
}

const out = {};
try {
  out.buyer = await gr4vy.buyers.create({
    displayName: "Ada Lovelace",
    externalIdentifier: "sdk-buyer-1",
    billingDetails: { firstName: "Ada", address: { country: "GB", city: "London" } },
  });
  out.shipping = await gr4vy.buyers.shippingDetails.create({ firstName: "Ada", lastName: "King" }, out.buyer.id);
  out.session = await gr4vy.checkoutSessions.create({ amount: 1299, currency: "GBP" });

  // What Gr4vy's Secure Fields post from the shopper's browser.
  const fields = await fetch(`${serverURL}/checkout/sessions/${out.session.id}/fields`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ payment_method: { method: "card", number: "4111111111111111", expiration_date: "12/39", security_code: "123" } }),
  });
  out.fieldsStatus = fields.status;
  out.filled = await gr4vy.checkoutSessions.get(out.session.id);

  out.stored = await gr4vy.paymentMethods.create({ method: "checkout-session", id: out.session.id, buyerId: out.buyer.id });
  out.buyerMethods = await gr4vy.buyers.paymentMethods.list({ buyerExternalIdentifier: "sdk-buyer-1" });
  out.updatedBuyer = await gr4vy.buyers.update({ displayName: "Ada King" }, out.buyer.id);
  out.updatedSession = await gr4vy.checkoutSessions.update({ amount: 1500, currency: "GBP" }, out.session.id);

  await gr4vy.paymentMethods.delete(out.stored.id);
  await gr4vy.checkoutSessions.delete(out.session.id);
  try {
    await gr4vy.checkoutSessions.get(out.session.id);
    out.sessionAfterDelete = "still there";
  } catch (err) {
    out.sessionAfterDelete = describe(err);
  }
  await gr4vy.buyers.delete(out.buyer.id);
  try {
    await gr4vy.buyers.get(out.buyer.id);
    out.buyerAfterDelete = "still there";
  } catch (err) {
    out.buyerAfterDelete = describe(err);
  }
} catch (err) {
  out.error = describe(err);
  out.errorBody = err?.body ?? null;
}
console.log(JSON.stringify(out));
