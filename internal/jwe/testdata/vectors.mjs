// Prints the vectors of ../vectors_test.go (run: npm install jose@5.10.0 && node vectors.mjs).
import { CompactEncrypt, importJWK } from 'jose';
const jwk = { kty: 'EC', crv: 'P-256', x: 'Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0', y: 'HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw' };
const pub = await importJWK(jwk, 'ECDH-ES');
const plain = new TextEncoder().encode('{"account_number":"4111111111111111","expiry_month":12,"expiry_year":2030,"security_code":"123"}');
for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW']) {
  for (const enc of ['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512']) {
    const e = new CompactEncrypt(plain).setProtectedHeader({ alg, enc });
    if (enc === 'A256GCM') e.setKeyManagementParameters({ apu: new TextEncoder().encode('Alice'), apv: new TextEncoder().encode('Bob') });
    const jwe = await e.encrypt(pub);
    console.log(`\t{${JSON.stringify(alg)}, ${JSON.stringify(enc)}, ${JSON.stringify(jwe)}},`);
  }
}
