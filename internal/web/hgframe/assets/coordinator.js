// The coordinator frame: it reads the session, answers the SDK's commands
// (card:tokenize, card:process, card:refresh_security_code,
// coordinator:dispose), collects the card from the field frames of the
// same origin under the same parent, encrypts it to the session's key (a
// compact JWE, ECDH-ES with A256GCM) and completes the session. Messages go
// to the parent at the declared origin only, and never carry card data.
(function () {
  "use strict";
  const origin = config.origin;
  const sessionURL = (() => {
    try {
      const u = new URL(config.apiBase);
      if (u.origin !== window.location.origin) return "";
      return u.origin + u.pathname.replace(/\/+$/, "") + "/sessions/" + encodeURIComponent(config.sessionId);
    } catch (e) {
      return "";
    }
  })();
  let session = null;
  let disposed = false;
  let busy = false;

  function post(message) {
    if (window.parent === window || disposed) return;
    window.parent.postMessage(message, origin);
  }

  function failure(message) {
    return {message: message};
  }

  async function call(method, body) {
    const res = await fetch(sessionURL + (body ? "/complete-action" : ""), {
      method: method, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      throw new Error((data && typeof data.message === "string" && data.message) || "The vault refused the card (" + res.status + ")");
    }
    return data;
  }

  function setSession(state) {
    session = state;
    post({type: "coordinator:session_state_change", state: state});
  }

  // fields lists the field frames of this origin under the same parent,
  // declared for the same origin.
  function fields() {
    const out = [];
    if (window.parent === window) return out;
    for (let i = 0; i < window.parent.length; i++) {
      let f;
      try {
        f = window.parent[i].cardvaultHellgateField;
      } catch (e) {
        continue; // another origin's frame
      }
      if (f && f.origin === origin && typeof f.read === "function") out.push(f.read.call(null));
    }
    return out;
  }

  // card gathers the card's values from the fields, or throws.
  function card(needNumber) {
    const values = {};
    let complete = true, valid = true;
    for (const f of fields()) {
      if (f.element === "text") continue;
      Object.assign(values, f);
      complete = complete && f.state.complete;
      valid = valid && f.state.valid;
    }
    if (!values.cvc && !needNumber) throw new Error("The security code field is not mounted");
    if (needNumber && !values.number) throw new Error("The card number field is not mounted");
    if (!complete) throw new Error("Card data is not complete");
    if (!valid) throw new Error("Card data is not valid");
    if (!needNumber) return {security_code: values.cvc};
    let month = Number(values.month), year = values.year ? fullYear(values.year) : 0;
    if (values.expiry) {
      month = Number(values.expiry.slice(0, 2));
      year = fullYear(values.expiry.slice(2, 4));
    }
    const scheme = schemeOf(values.number);
    if (!luhn(values.number) || !numberLengths(scheme).includes(values.number.length)) throw new Error("Card data is not valid");
    if (expiryError(month, year)) throw new Error("Card data is not valid");
    if (!values.cvc || !cvcLengths(sdkBrand(scheme)).includes(values.cvc.length)) throw new Error("Card data is not valid");
    return {account_number: values.number, expiry_month: month, expiry_year: year, security_code: values.cvc};
  }

  // textValue resolves an additional-data value: a string as it is, or
  // {key} naming a text field frame of the same parent.
  function textValue(v, texts) {
    if (typeof v === "string") return v;
    if (v && typeof v === "object" && typeof v.key === "string") {
      const t = texts.find((f) => f.key === v.key);
      return t ? t.text : undefined;
    }
    return undefined;
  }

  // echo keeps the string members of the page's additional data.
  function echo(d) {
    const out = {};
    for (const k of ["cardholder_name", "email"]) if (typeof d[k] === "string") out[k] = d[k];
    if (d.billing_address && typeof d.billing_address === "object") {
      const a = {};
      for (const [k, v] of Object.entries(d.billing_address)) if (typeof v === "string") a[k] = v;
      if (Object.keys(a).length) out.billing_address = a;
    }
    return out;
  }

  function additional(data) {
    const texts = [];
    for (let i = 0; i < window.parent.length; i++) {
      try {
        const f = window.parent[i].cardvaultHellgateField;
        if (f && f.origin === origin && f.element === "text") texts.push(Object.assign({key: f.key}, f.read()));
      } catch (e) {
        // another origin's frame
      }
    }
    const out = {};
    const d = data && typeof data === "object" ? data : {};
    for (const k of ["cardholder_name", "email"]) {
      const v = textValue(d[k], texts);
      if (v) out[k] = v;
    }
    if (d.billing_address && typeof d.billing_address === "object") {
      const a = {};
      for (const k of ["line1", "line2", "line3", "postal_code", "city", "country"]) {
        const v = textValue(d.billing_address[k], texts);
        if (v) a[k] = v;
      }
      if (Object.keys(a).length) out.billing_address = a;
    }
    return {additional: out, echo: echo(d), ephemeral: typeof d.ephemeral === "boolean" ? d.ephemeral : undefined,
      expiration: typeof d.expiration_date === "string" ? d.expiration_date : undefined};
  }

  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const utf8 = (s) => new TextEncoder().encode(s);

  // encrypt seals plaintext to the session's P-256 key as a compact JWE:
  // ECDH-ES key agreement (RFC 7518 §4.6, Concat KDF) and A256GCM.
  async function encrypt(jwk, plaintext) {
    const recipient = await crypto.subtle.importKey("jwk", {kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true},
      {name: "ECDH", namedCurve: "P-256"}, false, []);
    const eph = await crypto.subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
    const z = new Uint8Array(await crypto.subtle.deriveBits({name: "ECDH", public: recipient}, eph.privateKey, 256));
    const epk = await crypto.subtle.exportKey("jwk", eph.publicKey);
    const header = {alg: "ECDH-ES", enc: "A256GCM", epk: {kty: "EC", crv: "P-256", x: epk.x, y: epk.y}};
    if (jwk.kid) header.kid = jwk.kid;
    const alg = utf8("A256GCM");
    const info = new Uint8Array(4 + 4 + alg.length + 4 + 4 + 4);
    const view = new DataView(info.buffer);
    view.setUint32(0, 1);
    view.setUint32(4, alg.length);
    info.set(alg, 8);
    view.setUint32(8 + alg.length + 8, 256); // empty apu and apv, then 256 bits
    const kdfInput = new Uint8Array(4 + z.length + info.length - 4);
    kdfInput.set(info.subarray(0, 4), 0);
    kdfInput.set(z, 4);
    kdfInput.set(info.subarray(4), 4 + z.length);
    const cek = await crypto.subtle.importKey("raw", await crypto.subtle.digest("SHA-256", kdfInput), "AES-GCM", false, ["encrypt"]);
    z.fill(0);
    const h64 = b64url(utf8(JSON.stringify(header)));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({name: "AES-GCM", iv: iv, additionalData: utf8(h64), tagLength: 128}, cek, plaintext));
    return [h64, "", b64url(iv), b64url(sealed.subarray(0, sealed.length - 16)), b64url(sealed.subarray(sealed.length - 16))].join(".");
  }

  // complete sends the session's action with the encrypted payload and
  // returns the new state.
  async function complete(action, payload) {
    if (!session || !session.data || !session.data.jwk) throw new Error("The session takes no card");
    const plaintext = utf8(JSON.stringify(payload));
    const encPayload = await encrypt(session.data.jwk, plaintext);
    plaintext.fill(0);
    const state = await call("POST", {action: action, result: {enc_payload: encPayload}});
    setSession(state);
    return state;
  }

  function finalResult(state) {
    const out = Object.assign({}, state);
    delete out.next_action;
    return out;
  }

  async function tokenize(data) {
    if (!session || session.next_action !== "tokenize_card") throw new Error("The session does not take a card");
    const c = card(true);
    const extra = additional(data);
    const payload = Object.assign(c, {additional_data: extra.additional});
    if (extra.additional.cardholder_name) payload.cardholder_name = extra.additional.cardholder_name;
    if (extra.ephemeral !== undefined) payload.ephemeral = extra.ephemeral;
    if (extra.expiration !== undefined) payload.expiration_date = extra.expiration;
    const state = await complete("tokenize_card", payload);
    const tokenID = state && state.data && state.data.token_id;
    if (!tokenID || state.status !== "success") throw new Error((state && state.data && state.data.reason) || "The session did not complete");
    // additional_data echoes only what the page passed as strings: values
    // typed into text fields stay in the vault's frames.
    return {state: state, result: {token_id: tokenID, additional_data: extra.echo}};
  }

  async function refresh() {
    if (!session || session.next_action !== "refresh_security_code") throw new Error("The session does not take a security code");
    return finalResult(await complete("refresh_security_code", card(false)));
  }

  async function handle(m) {
    const type = m.type;
    if (busy) {
      post({type: type + ":response", success: false, result: null, error: "Another request is in progress"});
      return;
    }
    busy = true;
    try {
      let result;
      if (type === "card:tokenize") {
        result = (await tokenize(m.additionalData)).result;
      } else if (type === "card:process") {
        result = session && session.next_action === "refresh_security_code" ? await refresh() : finalResult((await tokenize(m.additionalData)).state);
      } else {
        result = await refresh();
      }
      post({type: type + ":response", success: true, result: result});
    } catch (e) {
      post({type: type + ":response", success: false, result: null, error: (e && e.message) || "The card could not be saved"});
    } finally {
      busy = false;
    }
  }

  window.addEventListener("message", (e) => {
    if (disposed || e.source !== window.parent || e.origin !== origin || !e.data || typeof e.data !== "object") return;
    const type = e.data.type;
    if (type === "coordinator:dispose") {
      disposed = true;
      session = null;
      return;
    }
    if (type === "card:tokenize" || type === "card:process" || type === "card:refresh_security_code") handle(e.data);
  });

  if (window.parent === window) return;
  if (!sessionURL) {
    post({type: "coordinator:error", error: failure("apiBaseUrl must be this vault's own address")});
    return;
  }
  call("GET").then((state) => {
    setSession(state);
    post({type: "coordinator:ready"});
  }).catch((e) => post({type: "coordinator:error", error: failure(e.message)}));
})();
