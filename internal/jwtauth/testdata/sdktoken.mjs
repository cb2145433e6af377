// Signs tokens with Gr4vy's own SDK (@gr4vy/sdk, installed under
// internal/api/gr4vy/testdata/sdk) for ../sdk_test.go. Reads the private
// key PEM on stdin and the SDK's directory from GR4VY_SDK_DIR; prints JSON.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.resolve(process.env.GR4VY_SDK_DIR, "package.json"));
const { withToken, getToken, JWTScope } = require("@gr4vy/sdk");
const privateKey = readFileSync(0, "utf8");

const bearer = withToken({ privateKey }); // what the SDK calls per request
const out = {
  withToken: [await bearer(), await bearer()],
  checkout: await getToken({
    privateKey,
    scopes: [JWTScope.CheckoutSessionsWrite, "buyers.read"],
    checkoutSessionId: "8d3fe99b-1422-42e6-bbb3-932d95ae5f79",
  }),
};
process.stdout.write(JSON.stringify(out));
