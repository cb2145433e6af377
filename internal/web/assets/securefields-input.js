// cardvault's Gr4vy Secure Fields input frame. Runs only as a nonce'd
// script; no eval, no inline handlers. What the shopper types stays in this
// frame until the controller frame, a sibling of the vault's own origin,
// collects it to send to the vault. The merchant's page (parentOrigin,
// pinned by the page's frame-ancestors) only ever receives the events the
// library expects: focus, blur and input, with validity, emptiness and, for
// the number, the scheme and the BIN, never the value.
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("sf-config").textContent);
  const CHANNEL = "secure-fields"; // the library's channel
  const SIBLING = "cardvault-secure-fields"; // between the vault's frames
  const el = document.getElementById("sf-input");
  const labelEl = document.getElementById("sf-label");
  const errorEl = document.getElementById("sf-error");
  const { digitsOf, luhn } = cardvaultCard;
  const schemeOf = (digits) => cardvaultCard.schemeOf(cfg.schemes, digits);
  const group = (digits, scheme) => cardvaultCard.group(digits, cfg.schemeInfo[scheme]);
  const reformat = (value) => cardvaultCard.reformat(el, value);

  // Outside a frame, or framed by a page other than the declared one (the
  // policy's frame-ancestors already refuses that), the field stays inert.
  const ancestors = window.location.ancestorOrigins;
  if (window.parent === window || (ancestors && ancestors.length && ancestors[0] !== cfg.parentOrigin)) {
    el.disabled = true;
    return;
  }

  const opts = { label: cfg.label };
  let touched = false; // blurred with a value, or submitted
  let siblingScheme = ""; // the number field's scheme, for the security code
  let pattern = null; // the postal code's pattern, from the page

  // codeLengths are the security code lengths the field accepts.
  function codeLengths() {
    if (Array.isArray(opts.lengths) && opts.lengths.length && opts.lengths.every((n) => n === 3 || n === 4)) return opts.lengths;
    let scheme = siblingScheme;
    if (!scheme && cfg.scheme) {
      for (const [name, gr4vy] of Object.entries(cfg.gr4vyNames)) if (gr4vy === cfg.scheme) scheme = name;
    }
    const info = cfg.schemeInfo[scheme];
    return info ? [info.cvc] : [3, 4];
  }

  // problem returns what is wrong with the value, or "" when it is valid.
  function problem() {
    const v = el.value.trim();
    switch (cfg.type) {
      case "number": {
        const d = digitsOf(v);
        if (d === "") return "Enter your card number.";
        const info = cfg.schemeInfo[schemeOf(d)];
        const lengths = info && info.lengths ? info.lengths : null;
        if (lengths ? !lengths.includes(d.length) : d.length < 12 || d.length > 19) return "Enter the full card number.";
        return luhn(d) ? "" : "This card number is not valid.";
      }
      case "expiryDate":
        return cardvaultCard.expiryProblem(digitsOf(v));
      case "securityCode": {
        if (v === "") return "Enter the security code.";
        const lengths = codeLengths();
        return /^[0-9]+$/.test(v) && lengths.includes(v.length) ? "" : "Enter the " + lengths.join(" or ") + "-digit security code.";
      }
      default:
        if (v === "") return "Enter the postal code.";
        if (pattern) return pattern.test(v) ? "" : "Check the postal code.";
        return v.length >= 5 ? "" : "Check the postal code.";
    }
  }

  function autofilled() {
    for (const sel of [":autofill", ":-webkit-autofill"]) {
      try {
        if (el.matches(sel)) return true;
      } catch (e) {
        // This browser does not know the selector.
      }
    }
    return false;
  }

  // state is what the page and the controller may know of the field.
  function state() {
    const message = problem();
    const out = { id: cfg.type, valid: message === "", empty: el.value.trim() === "", autofilled: autofilled() };
    if (cfg.type === "number") {
      const d = digitsOf(el.value);
      const scheme = schemeOf(d);
      if (scheme) {
        out.schema = cfg.gr4vyNames[scheme];
        out.codeLabel = cfg.codeLabels[scheme];
      }
      if (d.length >= 6) out.bin = d.slice(0, 6);
      out.scheme = scheme;
    }
    return { message, out };
  }

  // show marks the field invalid once the shopper has left it or submitted.
  function show(message) {
    const bad = touched && message !== "";
    errorEl.textContent = bad ? message : "";
    if (bad) el.setAttribute("aria-invalid", "true");
    else el.removeAttribute("aria-invalid");
    el.classList.toggle("valid", message === "" && el.value !== "");
  }

  function toParent(type, data) {
    window.parent.postMessage({ channel: CHANNEL, type: type, data: data }, cfg.parentOrigin);
  }

  // siblings are the frames beside this one in the merchant's page; only
  // those of the vault's own origin receive what is sent to them.
  function toSiblings(message) {
    const frames = window.parent.frames;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i] === window) continue;
      try {
        frames[i].postMessage(message, window.location.origin);
      } catch (e) {
        // A frame that went away.
      }
    }
  }

  // isSibling tells a frame of the vault's origin beside this one, of the
  // given page (/input.html or /controller.html).
  function isSibling(ev, path) {
    if (ev.origin !== window.location.origin || !ev.source || ev.source === window) return false;
    try {
      return ev.source.parent === window.parent && ev.source.location.pathname === path;
    } catch (e) {
      return false;
    }
  }

  function publish(kind) {
    const s = state();
    show(s.message);
    const data = Object.assign({}, opts, s.out);
    delete data.styles;
    delete data.type;
    delete data.scheme;
    if (kind) toParent(kind, data);
    toSiblings({ channel: SIBLING, type: "state", field: cfg.type, valid: s.out.valid, empty: s.out.empty,
      autofilled: s.out.autofilled, scheme: s.out.scheme || "" });
  }

  el.addEventListener("input", (ev) => {
    if (cfg.type === "number") {
      const d = digitsOf(el.value).slice(0, 19);
      reformat(group(d, schemeOf(d)));
    } else if (cfg.type === "expiryDate") {
      let d = digitsOf(el.value).slice(0, 4);
      if (d.length === 1 && d > "1") d = "0" + d;
      const adding = !ev.inputType || ev.inputType.startsWith("insert");
      let v = d;
      if (d.length > 2) v = d.slice(0, 2) + " / " + d.slice(2);
      else if (d.length === 2 && adding) v = d + " / ";
      reformat(v);
    } else if (cfg.type === "securityCode") {
      const d = digitsOf(el.value).slice(0, Math.max.apply(null, codeLengths()));
      if (d !== el.value) reformat(d);
    }
    publish("input");
  });
  el.addEventListener("focus", () => toParent("focus", { id: cfg.type }));
  el.addEventListener("blur", () => {
    if (el.value !== "") touched = true;
    publish("");
    toParent("blur", { id: cfg.type });
  });

  // Allowed style properties: the library sends [["--color", "red"], …].
  const styleName = /^--(?:(?:hover|focus|valid|invalid|disabled|autofill|placeholder)-)?[a-z][a-z-]{1,40}$/;

  function applyStyles(styles) {
    if (!Array.isArray(styles)) return;
    for (const pair of styles) {
      if (!Array.isArray(pair) || pair.length !== 2) continue;
      const name = String(pair[0]);
      const value = String(pair[1]);
      // No url(), image(), escapes or at-rules: nothing here may load.
      if (!styleName.test(name) || value.length > 200 || /url\(|image|\\|@|[;{}<>]/i.test(value)) continue;
      el.style.setProperty(name, value);
    }
  }

  // update applies the page's settings: label, placeholder, styles,
  // lengths (security code) and pattern (postal code).
  function update(data) {
    if (!data || typeof data !== "object") return;
    if (typeof data.label === "string" && data.label.trim()) {
      opts.label = data.label.slice(0, 100);
      labelEl.textContent = opts.label;
    }
    if (typeof data.placeholder === "string") {
      opts.placeholder = data.placeholder.slice(0, 100);
      el.placeholder = opts.placeholder;
    }
    if (Array.isArray(data.lengths)) opts.lengths = data.lengths.filter((n) => n === 3 || n === 4);
    if (cfg.type === "postalCode" && typeof data.pattern === "string" && data.pattern.length <= 200) {
      try {
        pattern = new RegExp("^(?:" + data.pattern + ")$");
      } catch (e) {
        pattern = null;
      }
    }
    applyStyles(data.styles);
    if (el.value !== "") publish("");
  }

  // collect answers the controller with the value, on the port it sent,
  // and shows what is wrong: the shopper asked to submit.
  function collect(port) {
    touched = true;
    const s = state();
    show(s.message);
    let value = el.value.trim();
    if (cfg.type === "number" || cfg.type === "securityCode") value = digitsOf(value);
    if (cfg.type === "expiryDate") {
      const d = digitsOf(value);
      value = d.length === 4 ? d.slice(0, 2) + "/" + d.slice(2) : "";
    }
    port.postMessage({ field: cfg.type, value: value, valid: s.out.valid, message: s.message, scheme: s.out.scheme || "" });
    port.close();
    value = null;
  }

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (!m || typeof m !== "object") return;
    if (ev.source === window.parent && ev.origin === cfg.parentOrigin && m.channel === CHANNEL) {
      if (m.type === "update") update(m.data);
      return;
    }
    if (m.channel !== SIBLING) return;
    if (m.type === "collect" && ev.ports.length === 1 && isSibling(ev, "/controller.html")) collect(ev.ports[0]);
    else if (m.type === "hello" && isSibling(ev, "/controller.html")) publish("");
    else if (m.type === "state" && m.field === "number" && cfg.type === "securityCode" && isSibling(ev, "/input.html")) {
      siblingScheme = typeof m.scheme === "string" ? m.scheme : "";
      if (el.value !== "") publish("");
    }
  });

  publish("");
})();
