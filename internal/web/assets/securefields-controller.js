// cardvault's Gr4vy Secure Fields controller frame. Runs only as a nonce'd
// script. It tells the merchant's page (parentOrigin, pinned by the page's
// frame-ancestors) when the fields are ready and how the form stands, and,
// when that page asks to submit, collects the values from the input frames
// beside it (the vault's own origin, on private message ports) and puts
// them in the checkout session with one same-origin request. The page only
// learns whether that worked: never a value.
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sf-config").textContent);
  const CHANNEL = "secure-fields";
  const SIBLING = "cardvault-secure-fields";
  const ancestors = window.location.ancestorOrigins;
  if (window.parent === window || (ancestors && ancestors.length && ancestors[0] !== cfg.parentOrigin)) return;

  const fields = {}; // field type -> {valid, empty, autofilled}
  let sending = false;

  function toParent(message) {
    window.parent.postMessage(Object.assign({ channel: CHANNEL }, message), cfg.parentOrigin);
  }

  function isSibling(ev) {
    if (ev.origin !== window.location.origin || !ev.source || ev.source === window) return false;
    try {
      return ev.source.parent === window.parent && ev.source.location.pathname === "/input.html";
    } catch (e) {
      return false;
    }
  }

  function siblingFrames() {
    const out = [];
    const frames = window.parent.frames;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i] === window) continue;
      try {
        if (frames[i].location.origin === window.location.origin && frames[i].location.pathname === "/input.html") out.push(frames[i]);
      } catch (e) {
        // Another origin's frame: not ours to ask.
      }
    }
    return out;
  }

  // formChange reports the form as the library's FORM_CHANGE event has it:
  // complete when the number and expiry date (for a stored card, the
  // security code) and every other field shown are valid.
  function formChange() {
    const f = (name) => fields[name] || { valid: false, empty: true, autofilled: false };
    const required = cfg.paymentMethodId ? ["securityCode"] : ["number", "expiryDate"];
    const shown = Object.keys(fields);
    const complete = required.every((n) => f(n).valid) && shown.every((n) => f(n).valid);
    toParent({ type: "form-change", data: { fields: { number: f("number"), expiryDate: f("expiryDate"), securityCode: f("securityCode") }, complete: complete } });
  }

  // collect asks each input frame for its value on its own port.
  function collect() {
    const frames = siblingFrames();
    return Promise.all(frames.map((frame) => new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(null), 3000);
      channel.port1.onmessage = (ev) => {
        clearTimeout(timer);
        channel.port1.close();
        resolve(ev.data);
      };
      frame.postMessage({ channel: SIBLING, type: "collect" }, window.location.origin, [channel.port2]);
    })));
  }

  function fail(status, code, message, details) {
    toParent({ type: "error", status: status, code: code, message: message, details: details || [] });
  }

  const pointers = { number: "/payment_method/number", expiryDate: "/payment_method/expiration_date",
    securityCode: "/payment_method/security_code", postalCode: "/postal_code" };

  async function submit(method) {
    if (sending) return;
    sending = true;
    try {
      let got = (await collect()).filter((v) => v && typeof v === "object" && typeof v.field === "string");
      const by = {};
      for (const v of got) by[v.field] = v;
      got = null;
      const needed = method === "id" ? ["securityCode"] : ["number", "expiryDate"];
      const bad = [];
      for (const name of needed) if (!by[name]) bad.push({ location: "body", pointer: pointers[name], message: "The " + name + " field is missing." });
      for (const name of Object.keys(by)) if (!by[name].valid) bad.push({ location: "body", pointer: pointers[name], message: by[name].message });
      if (bad.length) {
        fail(400, "bad_request", "The card details are not valid; nothing was sent.", bad);
        return;
      }
      const pm = { method: method };
      if (method === "id") pm.id = cfg.paymentMethodId;
      else {
        pm.number = by.number.value;
        pm.expiration_date = by.expiryDate.value;
      }
      if (by.securityCode && by.securityCode.value) pm.security_code = by.securityCode.value;
      const body = { payment_method: pm };
      if (by.postalCode && by.postalCode.value) body.postal_code = by.postalCode.value;
      const scheme = by.number ? by.number.scheme : "";
      let payload = JSON.stringify(body);
      for (const k of Object.keys(by)) by[k].value = null;
      let resp;
      try {
        const request = fetch(cfg.fieldsURL, { method: "PUT", headers: { "Content-Type": "application/json" }, body: payload,
          credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" });
        payload = null;
        resp = await request;
      } catch (e) {
        payload = null;
        fail(0, "network_error", "The card vault could not be reached.");
        return;
      }
      if (resp.ok) {
        const data = { method: method };
        if (scheme) data.scheme = scheme === "american express" ? "amex" : scheme === "diners club" ? "diners-club" : scheme;
        toParent({ type: "success", data: data });
        return;
      }
      const err = await resp.json().catch(() => ({}));
      fail(resp.status, typeof err.code === "string" ? err.code : "error",
        typeof err.message === "string" ? err.message.slice(0, 300) : "The card vault refused the card (HTTP " + resp.status + ").",
        Array.isArray(err.details) ? err.details.slice(0, 10) : []);
    } finally {
      sending = false;
    }
  }

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (!m || typeof m !== "object") return;
    if (ev.source === window.parent && ev.origin === cfg.parentOrigin && m.channel === CHANNEL) {
      if (m.type === "submit") submit(cfg.paymentMethodId ? "id" : "card");
      return;
    }
    if (m.channel === SIBLING && m.type === "state" && isSibling(ev) && pointers[m.field]) {
      fields[m.field] = { valid: m.valid === true, empty: m.empty === true, autofilled: m.autofilled === true };
      formChange();
    }
  });

  // Ask the fields already loaded for their state, then tell the page.
  for (const frame of siblingFrames()) frame.postMessage({ channel: SIBLING, type: "hello" }, window.location.origin);
  toParent({ type: "ready" });
})();
