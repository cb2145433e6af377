// Drives cardvault's Gr4vy network-token routes with Gr4vy's official
// TypeScript SDK: store a card → provision a network token → list →
// cryptogram → suspend → cryptogram refused → resume → cryptogram →
// delete → list, plus a card whose scheme the token service does not
// tokenize. Prints one JSON object of what the SDK returned; the Go test
// (../../sdk_test.go) checks it. It prints tokens only as the vault
// returned them (masked unless the key holds cards:reveal), never a card
// number.
//
//   CARDVAULT_URL=http://127.0.0.1:8080 CARDVAULT_KEY=cvk_… node networktokens.mjs
//   CARDVAULT_URL=… CARDVAULT_PRIVATE_KEY_FILE=private.pem node networktokens.mjs
import { describe, gr4vy } from "./client.mjs";

const nt = gr4vy.paymentMethods.networkTokens;

// refused runs fn, which must fail, and describes its error.
async function refused(fn) {
  try {
    await fn();
    return "accepted";
  } catch (err) {
    return describe(err);
  }
}

const out = { cryptograms: [] };
try {
  const pm = await gr4vy.paymentMethods.create({ method: "card", number: "4111111111111111", expirationDate: "12/39" });
  out.paymentMethodId = pm.id;
  out.provisioned = await nt.create({ merchantInitiated: false, isSubsequentPayment: false, securityCode: "123" }, pm.id);
  const id = out.provisioned.id;
  out.listed = (await nt.list(pm.id)).items;
  out.cryptograms.push(await nt.cryptogram.create({ merchantInitiated: true }, pm.id, id));
  out.suspended = await nt.suspend(pm.id, id);
  out.whileSuspended = await refused(() => nt.cryptogram.create({ merchantInitiated: true }, pm.id, id));
  out.resumed = await nt.resume(pm.id, id);
  out.cryptograms.push(await nt.cryptogram.create({ merchantInitiated: false }, pm.id, id));
  await nt.delete(pm.id, id);
  out.deleted = true;
  out.afterDelete = (await nt.list(pm.id)).items;
  out.resumeDeleted = await refused(() => nt.resume(pm.id, id));

  const jcb = await gr4vy.paymentMethods.create({ method: "card", number: "3566002020360505", expirationDate: "12/39" });
  out.unsupportedScheme = await refused(() => nt.create({ merchantInitiated: false, isSubsequentPayment: false }, jcb.id));
} catch (err) {
  out.error = describe(err);
  out.errorBody = err?.body ?? null;
}
console.log(JSON.stringify(out));
