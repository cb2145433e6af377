// Drives cardvault's Gr4vy facade with Gr4vy's official TypeScript SDK:
// create → get → list (every page) → list filtered → delete → get again,
// then one call with a wrong key. Prints one JSON object of what the SDK
// returned; the Go test (../../sdk_test.go) checks it. Never prints a card
// number: the SDK only ever sees masked payment methods.
//
// With CARDVAULT_PRIVATE_KEY_FILE the SDK signs an ES512 JWT per request
// with that key (withToken, exactly as against Gr4vy); otherwise it sends
// the API key CARDVAULT_KEY.
//
//   CARDVAULT_URL=http://127.0.0.1:8080 CARDVAULT_KEY=cvk_… node script.mjs
//   CARDVAULT_URL=… CARDVAULT_PRIVATE_KEY_FILE=private.pem node script.mjs
import { Gr4vy } from "@gr4vy/sdk";
import { describe, gr4vy, serverURL } from "./client.mjs";

const out = { created: [], pages: [] };
try {
  const cards = [
    { method: "card", number: "4111111111111111", expirationDate: "12/39", securityCode: "123", externalIdentifier: "sdk-a" },
    { method: "card", number: "5555555555554444", expirationDate: "01/40", externalIdentifier: "sdk-b" },
    { method: "card", number: "378282246310005", expirationDate: "02/41", cardType: "credit" },
  ];
  for (const c of cards) {
    out.created.push(await gr4vy.paymentMethods.create(c));
  }
  out.got = await gr4vy.paymentMethods.get(out.created[0].id);

  for await (const page of await gr4vy.paymentMethods.list({ limit: 2 })) {
    out.pages.push(page.result.items.map((pm) => pm.id));
  }
  const filtered = await gr4vy.paymentMethods.list({ externalIdentifier: "sdk-b" });
  out.filtered = filtered.result.items.map((pm) => pm.id);

  await gr4vy.paymentMethods.delete(out.created[1].id);
  out.deleted = true;
  try {
    await gr4vy.paymentMethods.get(out.created[1].id);
    out.afterDelete = "still there";
  } catch (err) {
    out.afterDelete = describe(err);
  }

  const stranger = new Gr4vy({ serverURL, bearerAuth: "cvk_not-a-key-of-this-vault-000000000000" });
  try {
    await stranger.paymentMethods.get(out.created[0].id);
    out.wrongKey = "accepted";
  } catch (err) {
    out.wrongKey = describe(err);
  }
} catch (err) {
  out.error = describe(err);
  out.errorBody = err?.body ?? null;
}
console.log(JSON.stringify(out));
