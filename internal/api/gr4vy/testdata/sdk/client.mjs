// The Gr4vy SDK client the scripts share, pointed at cardvault. With
// CARDVAULT_PRIVATE_KEY_FILE the SDK signs an ES512 JWT per request with
// that key (withToken, exactly as against Gr4vy); otherwise it sends the
// API key CARDVAULT_KEY.
import { readFileSync } from "node:fs";
import { Gr4vy, withToken } from "@gr4vy/sdk";

export const serverURL = process.env.CARDVAULT_URL;
const key = process.env.CARDVAULT_KEY;
const keyFile = process.env.CARDVAULT_PRIVATE_KEY_FILE;
if (!serverURL || !(key || keyFile)) {
  console.error("set CARDVAULT_URL and CARDVAULT_KEY or CARDVAULT_PRIVATE_KEY_FILE");
  process.exit(2);
}

const bearerAuth = keyFile ? withToken({ privateKey: readFileSync(keyFile, "utf8") }) : key;
export const gr4vy = new Gr4vy({ serverURL, bearerAuth, merchantAccountId: "default" });

// describe keeps what the test needs from an SDK error.
export function describe(err) {
  return { name: err?.name, statusCode: err?.statusCode, code: err?.code ?? null, message: err?.message };
}
