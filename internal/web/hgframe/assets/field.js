// A field frame: the inputs of one SDK element. It tells its parent (the
// declared origin only) when it is ready, focused, blurred, changed (state,
// never the value) and when Enter or Escape is pressed, and it hands its
// values to the coordinator frame of the same origin and parent on request.
(function () {
  "use strict";
  const origin = config.origin;
  const element = config.element;
  const key = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  const root = document.getElementById("hg-root");
  const opts = {schemes: null, cardType: "", cvcOnly: false};
  const inputs = {};
  let lastState = "";

  // post sends a message to the parent window, at the declared origin only.
  function post(type, data) {
    if (window.parent === window) return;
    const message = {type: type, element: element, id: key};
    if (data !== undefined) message.data = data;
    window.parent.postMessage(message, origin);
  }

  // The inputs each element shows: [name, label, autocomplete, placeholder, class].
  const layouts = {
    cardNumber: [["number", "Card number", "cc-number", "1234 1234 1234 1234", "hg-number"]],
    cardExpirationDate: [["expiry", "Expiry date (MM / YY)", "cc-exp", "MM / YY", "hg-short"]],
    cardExpirationMonth: [["month", "Expiry month (MM)", "cc-exp-month", "MM", "hg-short"]],
    cardExpirationYear: [["year", "Expiry year (YY)", "cc-exp-year", "YY", "hg-short"]],
    cardVerificationCode: [["cvc", "Security code", "cc-csc", "CVC", "hg-short"]],
    text: [["text", "Text", "on", "", ""]],
  };
  layouts.card = layouts.cardNumber.concat(layouts.cardExpirationDate, layouts.cardVerificationCode);

  for (const [name, label, autocomplete, placeholder, cls] of layouts[element]) {
    const wrap = document.createElement("div");
    wrap.className = "hg-field " + cls;
    const id = "hg-" + name;
    const l = document.createElement("label");
    l.className = "hg-hidden";
    l.htmlFor = id;
    l.textContent = label;
    const input = document.createElement("input");
    input.id = id;
    input.type = "text";
    input.autocomplete = autocomplete;
    input.placeholder = placeholder;
    input.spellcheck = false;
    if (name !== "text") input.inputMode = "numeric";
    input.setAttribute("aria-invalid", "false");
    input.setAttribute("aria-describedby", "hg-error");
    wrap.append(l, input);
    root.append(wrap);
    inputs[name] = input;
  }
  const error = document.createElement("p");
  error.id = "hg-error";
  error.className = "hg-hidden";
  error.setAttribute("aria-live", "polite");
  document.body.append(error);

  // brand is the card's brand for the security code: the number's own in
  // the combined element, else the one the SDK passed from the number field.
  function brand() {
    return inputs.number ? sdkBrand(schemeOf(digits(inputs.number.value))) : opts.cardType;
  }

  function digits(s) {
    return cardvaultCard.digitsOf(s || "");
  }

  // format returns an input's value as shown.
  function format(name, value) {
    let d = digits(value);
    switch (name) {
      case "number": {
        const scheme = schemeOf(d);
        return cardvaultCard.group(d.slice(0, Math.max(...numberLengths(scheme))), infoOf(scheme));
      }
      case "expiry":
        if (d.length === 1 && d > "1") d = "0" + d;
        d = d.slice(0, 4);
        return d.length > 2 ? d.slice(0, 2) + " / " + d.slice(2) : d;
      case "month":
        if (d.length === 1 && d > "1") d = "0" + d;
        return d.slice(0, 2);
      case "year":
        return d.slice(0, 2);
      case "cvc":
        return d.slice(0, Math.max(...cvcLengths(brand())));
    }
    return value.slice(0, 200);
  }

  // reformat formats an input in place, keeping the caret after the same digit.
  function reformat(name) {
    const input = inputs[name];
    const shown = format(name, input.value);
    if (shown === input.value) return;
    if (name === "text") {
      input.value = shown;
    } else {
      cardvaultCard.reformat(input, shown);
    }
  }

  function result(complete, valid, errorText, code) {
    const s = {empty: false, complete: complete, valid: valid};
    if (errorText) {
      s.error = errorText;
      s.errorCode = code;
    }
    return s;
  }

  // check returns the state of one input, as the SDK's ElementMetadata.
  function check(name) {
    const input = inputs[name];
    const d = digits(input.value);
    if (name === "text") return {empty: !input.value, complete: !!input.value, valid: true};
    if (input.readOnly && input.value) return {empty: false, complete: true, valid: true};
    if (!d) return {empty: true, complete: false, valid: false};
    switch (name) {
      case "number": {
        const scheme = schemeOf(d);
        const complete = numberLengths(scheme).includes(d.length);
        if (opts.schemes && opts.schemes.length && !opts.schemes.includes(sdkBrand(scheme))) {
          return result(complete, false, "This card's scheme is not accepted", "SCHEME_NOT_SUPPORTED");
        }
        if (!complete) return result(false, false, "The card number is incomplete", "NOT_COMPLETE");
        if (!luhn(d)) return result(true, false, "The card number is not valid", "LUHN_CHECK_FAILED");
        return result(true, true);
      }
      case "expiry": {
        if (d.length < 4) return result(false, false, "The expiry date is incomplete", "NOT_COMPLETE");
        const why = expiryError(Number(d.slice(0, 2)), fullYear(d.slice(2, 4)));
        return why ? result(true, false, why, "INVALID_EXPIRY_DATE") : result(true, true);
      }
      case "month": {
        if (d.length < 2) return result(false, false, "The expiry month is incomplete", "NOT_COMPLETE");
        const m = Number(d);
        return m >= 1 && m <= 12 ? result(true, true) : result(true, false, "The expiry month is not a month", "INVALID_EXPIRY_DATE");
      }
      case "year": {
        if (d.length < 2) return result(false, false, "The expiry year is incomplete", "NOT_COMPLETE");
        const y = fullYear(d), now = new Date().getFullYear();
        return y >= now && y <= now + 30 ? result(true, true) : result(true, false, "Check the expiry year.", "INVALID_EXPIRY_DATE");
      }
      case "cvc": {
        const complete = cvcLengths(brand()).includes(d.length);
        return complete ? result(true, true) : result(false, false, "The security code is incomplete", "NOT_COMPLETE");
      }
    }
    return result(false, false);
  }

  // state combines the inputs' states as the SDK combines its elements'.
  function state() {
    const s = Object.keys(inputs).map(check).reduce((t, r) => ({
      empty: t.empty && r.empty, complete: t.complete && r.complete, valid: t.valid && r.valid,
      error: t.error || r.error, errorCode: t.errorCode || r.errorCode,
    }), {empty: true, complete: true, valid: true});
    if (!s.error) {
      delete s.error;
      delete s.errorCode;
    }
    if (inputs.number) s.cardBrand = sdkBrand(schemeOf(digits(inputs.number.value)));
    return s;
  }

  // changed shows the state and tells the parent when it changed.
  function changed(force) {
    const s = state();
    const shown = s.complete && !s.valid;
    document.body.className = s.empty ? "hg-empty" : shown ? "hg-invalid" : s.complete ? "hg-complete" : "";
    for (const name of Object.keys(inputs)) {
      const c = check(name);
      inputs[name].setAttribute("aria-invalid", String(c.complete && !c.valid));
    }
    error.textContent = shown ? s.error || "" : "";
    const json = JSON.stringify(s);
    if (force || json !== lastState) {
      lastState = json;
      post("change", s);
    }
  }

  // The merchant's style: the SDK's variants and safe properties only, as
  // rules in the nonce'd style element.
  const safeProps = ["backgroundColor", "color", "fontFamily", "fontSize", "fontSmooth", "fontStyle", "fontVariant",
    "fontWeight", "lineHeight", "letterSpacing", "textAlign", "padding", "textDecoration", "textShadow",
    "textTransform", "height"];
  const variants = {base: "", complete: ".hg-complete ", invalid: ".hg-invalid ", empty: ".hg-empty "};
  const pseudo = [":hover", ":focus", ":read-only", "::placeholder", "::selection", ":disabled"];
  const safeValue = /^[\w\s#%.,'"()+-]{0,120}$/;

  function declarations(style) {
    let out = "";
    for (const p of safeProps) {
      const v = style[p];
      if ((typeof v === "string" || typeof v === "number") && safeValue.test(String(v)) && !/url\s*\(|expression/i.test(String(v))) {
        out += p.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()) + ":" + String(v) + ";";
      }
    }
    return out;
  }

  function applyStyle(style) {
    const sheet = document.getElementById("hg-merchant").sheet;
    while (sheet.cssRules.length) sheet.deleteRule(0);
    if (!style || typeof style !== "object") return;
    for (const [variant, prefix] of Object.entries(variants)) {
      const v = style[variant];
      if (!v || typeof v !== "object") continue;
      const rules = [[prefix + "input", v]];
      for (const p of pseudo) {
        if (v[p] && typeof v[p] === "object") rules.push([prefix + "input" + p, v[p]]);
      }
      for (const [selector, s] of rules) {
        const d = declarations(s);
        if (d) {
          try {
            sheet.insertRule(selector + "{" + d + "}", sheet.cssRules.length);
          } catch (e) {
            // A declaration the browser refuses is dropped.
          }
        }
      }
    }
  }

  function setValue(name, value) {
    if (!inputs[name] || value === undefined || value === null) return;
    inputs[name].value = name === "number" && opts.cvcOnly ? String(value) : format(name, String(value));
  }

  function update(data) {
    if (!data || typeof data !== "object") return;
    if ("style" in data) applyStyle(data.style);
    if (Array.isArray(data.schemes)) opts.schemes = data.schemes.filter((s) => typeof s === "string");
    if (typeof data.cardType === "string") opts.cardType = data.cardType;
    if (typeof data.cvcOnly === "boolean") opts.cvcOnly = data.cvcOnly;
    const single = Object.keys(inputs).length === 1 ? inputs[Object.keys(inputs)[0]] : null;
    if (single && typeof data.placeholder === "string") single.placeholder = data.placeholder.slice(0, 100);
    if (single && typeof data.ariaLabel === "string" && data.ariaLabel) single.setAttribute("aria-label", data.ariaLabel.slice(0, 200));
    if (data.autocomplete === "off") Object.values(inputs).forEach((i) => (i.autocomplete = "off"));
    const v = data.value;
    if (element === "card" && v && typeof v === "object") {
      setValue("number", v.cardNumber);
      setValue("expiry", v.cardExpirationDate);
      setValue("cvc", v.cardVerificationCode);
    } else if (single && v !== undefined) {
      setValue(Object.keys(inputs)[0], v);
    }
    if (opts.cvcOnly) {
      for (const name of ["number", "expiry"]) if (inputs[name]) inputs[name].readOnly = true;
    }
    if (typeof data.disabled === "boolean") {
      for (const [name, input] of Object.entries(inputs)) input.disabled = data.disabled || (opts.cvcOnly && name !== "cvc");
    }
    if (inputs.cvc) reformat("cvc");
    if (data.autofocus === true) focusFirst();
    changed(false);
  }

  function focusFirst() {
    const first = Object.values(inputs).find((i) => !i.disabled && !i.readOnly);
    if (first) first.focus();
  }

  for (const [name, input] of Object.entries(inputs)) {
    input.addEventListener("input", () => {
      reformat(name);
      changed(false);
      if (element === "card" && name === "number" && check("number").valid) inputs.expiry.focus();
      if (element === "card" && name === "expiry" && check("expiry").valid) inputs.cvc.focus();
    });
    input.addEventListener("focus", () => post("focus"));
    input.addEventListener("blur", () => post("blur"));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === "Escape") {
        post("keydown", {key: e.key, altKey: e.altKey, ctrlKey: e.ctrlKey, shiftKey: e.shiftKey, metaKey: e.metaKey});
      }
    });
  }

  window.addEventListener("message", (e) => {
    if (e.source !== window.parent || e.origin !== origin || !e.data || typeof e.data !== "object") return;
    switch (e.data.type) {
      case "update":
        update(e.data.data);
        break;
      case "clear":
        Object.values(inputs).forEach((i) => {
          if (!i.readOnly) i.value = "";
        });
        changed(false);
        break;
      case "focus":
        focusFirst();
        break;
      case "blur":
        if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
        break;
    }
  });

  // read hands the values to the coordinator frame: only a frame of this
  // origin can call it, and the coordinator checks it shares the parent.
  function read() {
    const out = {element: element};
    for (const [name, input] of Object.entries(inputs)) {
      out[name] = name === "text" ? input.value : digits(input.value);
    }
    out.state = state();
    return out;
  }
  Object.defineProperty(window, "cardvaultHellgateField", {
    value: Object.freeze({element: element, origin: origin, key: key, read: read}),
  });

  changed(true);
  post("ready", {key: key});
})();
