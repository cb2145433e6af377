// cardvault hosted capture form. Runs only as a nonce'd script; no eval,
// no inline handlers. Card data goes from these inputs to the vault in one
// same-origin fetch and is never given to the callbacks or the parent:
// before a callback runs, the card inputs are emptied and disabled, and
// this script keeps no copy of what they held.
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("cv-config").textContent);
  const form = document.getElementById("cv-form");
  const button = document.getElementById("cv-submit");
  const formError = document.getElementById("cv-form-error");
  const done = document.getElementById("cv-done");
  const schemeBadge = document.getElementById("cv-scheme");
  const buttonLabel = button.textContent;

  // Take the secret out of the address bar at once and keep it in memory.
  let secret = "";
  if (cfg.secretParam) {
    const url = new URL(window.location.href);
    secret = url.searchParams.get(cfg.secretParam) || "";
    if (url.searchParams.has(cfg.secretParam)) {
      url.searchParams.delete(cfg.secretParam);
      try {
        window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
      } catch (e) {
        // An opaque or sandboxed document cannot rewrite its URL; the
        // Referrer-Policy still keeps the secret from leaking.
      }
    }
  }

  const input = (name) => document.getElementById("cv-" + name);
  const errorOf = (name) => document.getElementById("cv-" + name + "-error");
  const { digitsOf, luhn } = cardvaultCard;
  const schemeOf = (digits) => cardvaultCard.schemeOf(cfg.schemes, digits);
  const group = (digits, scheme) => cardvaultCard.group(digits, cfg.schemeInfo[scheme]);
  const reformat = cardvaultCard.reformat;

  function currentScheme() {
    const n = input("card_number");
    return n ? schemeOf(digitsOf(n.value)) : "";
  }

  function showError(name, message) {
    const el = input(name);
    const err = errorOf(name);
    if (!el || !err) return;
    err.textContent = message;
    if (message) el.setAttribute("aria-invalid", "true");
    else el.removeAttribute("aria-invalid");
  }

  // Each check returns a message for the shopper, or "" when the input is fine.
  const checks = {
    card_number(value) {
      const d = digitsOf(value);
      if (d === "") return "Enter your card number.";
      const scheme = schemeOf(d);
      const info = cfg.schemeInfo[scheme];
      const lengths = info && info.lengths ? info.lengths : null;
      if (lengths ? !lengths.includes(d.length) : d.length < 12 || d.length > 19) {
        return "Enter the full card number" + (info ? " (" + info.label + " cards have " + lengths.join(" or ") + " digits)." : ".");
      }
      if (!luhn(d)) return "This card number is not valid. Check it and try again.";
      return "";
    },
    expiry(value) {
      return cardvaultCard.expiryProblem(digitsOf(value));
    },
    cvv(value) {
      const d = value.trim();
      if (d === "") return "Enter the security code.";
      const info = cfg.schemeInfo[currentScheme()];
      if (!/^[0-9]+$/.test(d)) return "The security code has digits only.";
      if (info ? d.length !== info.cvc : d.length < 3 || d.length > 4) {
        return "Enter the " + (info ? info.cvc : "3 or 4") + "-digit security code.";
      }
      return "";
    },
    card_holder(value) {
      return value.trim() === "" ? "Enter the name shown on the card." : "";
    },
    account_holder(value) {
      return value.trim() === "" ? "Enter the account holder's name." : "";
    },
    routing_number(value) {
      const d = value.trim();
      if (!/^[0-9]{9}$/.test(d)) return "Enter the 9-digit routing number.";
      const n = (i) => d.charCodeAt(i) - 48;
      const sum = 3 * (n(0) + n(3) + n(6)) + 7 * (n(1) + n(4) + n(7)) + (n(2) + n(5) + n(8));
      return sum % 10 === 0 ? "" : "This routing number is not valid. Check it and try again.";
    },
    account_number(value) {
      const a = value.replace(/[\s-]/g, "");
      return /^[A-Za-z0-9]{4,34}$/.test(a) ? "" : "Enter the account number (4 to 34 letters or digits).";
    },
    account_type(value) {
      return value === "checking" || value === "savings" ? "" : "Choose the account type.";
    },
    reference() {
      return "";
    },
  };

  // check validates one input; unvalidated inputs only need a value.
  function check(name) {
    const el = input(name);
    if (!el) return "";
    let message;
    if (cfg.validate[name]) message = checks[name](el.value);
    else message = el.value.trim() === "" && name !== "reference" ? "This field is required." : "";
    showError(name, message);
    return message;
  }

  const number = input("card_number");
  if (number) {
    number.addEventListener("input", () => {
      const d = digitsOf(number.value).slice(0, 19);
      const scheme = schemeOf(d);
      reformat(number, group(d, scheme));
      const info = cfg.schemeInfo[scheme];
      schemeBadge.textContent = info ? info.label : "";
      const cvv = input("cvv");
      if (cvv) cvv.placeholder = info && info.cvc === 4 ? "4 digits" : "CVC";
      if (errorOf("card_number").textContent) check("card_number");
    });
  }

  const expiry = input("expiry");
  if (expiry) {
    expiry.addEventListener("input", (ev) => {
      let d = digitsOf(expiry.value).slice(0, 4);
      if (d.length === 1 && d > "1") d = "0" + d;
      const adding = !ev.inputType || ev.inputType.startsWith("insert");
      let v = d;
      if (d.length > 2) v = d.slice(0, 2) + " / " + d.slice(2);
      else if (d.length === 2 && adding) v = d + " / ";
      reformat(expiry, v);
      if (errorOf("expiry").textContent) check("expiry");
    });
  }

  const cvv = input("cvv");
  if (cvv) {
    cvv.addEventListener("input", () => {
      const d = digitsOf(cvv.value).slice(0, 4);
      if (d !== cvv.value) reformat(cvv, d);
      if (errorOf("cvv").textContent) check("cvv");
    });
  }

  for (const name of Object.keys(checks)) {
    const el = input(name);
    if (el) el.addEventListener("blur", () => { if (el.value !== "") check(name); });
  }

  // body builds the JSON body in PCI Vault's hosted-form shape.
  function body() {
    const out = Object.assign({}, cfg.extra);
    const value = (name) => (input(name) ? input(name).value.trim() : "");
    const d = digitsOf(value("card_number"));
    if (d) {
      out.card_number = d;
      out.last_four = d.slice(-4);
      const scheme = schemeOf(d);
      if (scheme) out.card_type = scheme;
    }
    const e = digitsOf(value("expiry"));
    if (e.length === 4) {
      out.expiry = e.slice(0, 2) + "/" + e.slice(2);
      out.expiry_month = e.slice(0, 2);
      out.expiry_year_short = e.slice(2);
      out.expiry_year = "20" + e.slice(2);
    }
    if (value("card_holder")) out.card_holder = value("card_holder");
    if (value("cvv")) out.cvv = value("cvv");
    // A bank account, in the shape of PCI Vault's ACH form.
    const a = value("account_number").replace(/[\s-]/g, "").toUpperCase();
    if (a) {
      out.account_number = a;
      out.last_four = a.slice(-4);
    }
    if (value("routing_number")) out.routing_number = value("routing_number");
    if (value("account_type")) out.account_type = value("account_type");
    if (value("account_holder")) out.account_holder = value("account_holder");
    return out;
  }

  // shape renames and wraps the body for the endpoint it goes to.
  function shape(sent) {
    let out = {};
    for (const [k, v] of Object.entries(sent)) {
      const name = cfg.rename && Object.prototype.hasOwnProperty.call(cfg.rename, k) ? cfg.rename[k] : k;
      if (name) out[name] = v;
    }
    if (cfg.wrapIn) {
      const wrapped = Object.assign({}, cfg.wrap);
      wrapped[cfg.wrapIn] = out;
      out = wrapped;
    }
    return out;
  }

  // requestData is what callbacks may see: never the number or the code.
  function requestData(sent, reference) {
    const out = Object.assign({}, sent);
    delete out.card_number;
    delete out.cvv;
    delete out.account_number;
    if (reference) out.reference = reference;
    return out;
  }

  function submitURL(reference) {
    if (!reference) return cfg.submitURL;
    return cfg.submitURL + (cfg.submitURL.includes("?") ? "&" : "?") + "reference=" + encodeURIComponent(reference);
  }

  function setBusy(busy) {
    button.disabled = busy;
    button.textContent = busy ? cfg.busy : buttonLabel;
    if (busy) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = !message;
  }

  // vaultMessage reads the vault's refusal in any of the dialects' shapes.
  function vaultMessage(status, data) {
    let m = "";
    if (data && typeof data.error === "string") m = data.error;
    else if (data && data.error && typeof data.error.message === "string") m = data.error.message;
    else if (data && typeof data.message === "string") m = data.message;
    if (m.length > 300) m = m.slice(0, 300) + "…";
    if (status === 401 || status === 403 || status === 404 || status === 410) {
      return "This form is no longer valid" + (m ? " (" + m + ")" : "") + ". Reload the page or ask for a new link.";
    }
    return m ? "The card vault refused the card: " + m : "The card vault refused the card (HTTP " + status + ").";
  }

  // callback returns the configured callback called name, or null.
  function callback(name) {
    let fn;
    try {
      // Callbacks are defined by their own nonce'd scripts, when configured.
      fn = name === "success" ? cardvaultOnSuccess : cardvaultOnError;
    } catch (e) {
      return null;
    }
    return typeof fn === "function" ? fn : null;
  }

  // The inputs that hold card data: a callback never finds them filled.
  const cardInputs = ["card_number", "expiry", "cvv", "card_holder", "account_holder", "routing_number", "account_number"];

  // clearCard empties and disables the card inputs; the error path enables
  // them again, empty, once its callback has returned.
  function clearCard(disabled) {
    for (const name of cardInputs) {
      const el = input(name);
      if (!el) continue;
      el.value = "";
      el.disabled = disabled;
    }
    if (schemeBadge) schemeBadge.textContent = "";
  }

  // call empties and disables the card inputs, then runs the configured
  // callback, if there is one.
  function call(name, responseData, reqData) {
    const fn = callback(name);
    if (!fn) return;
    clearCard(true);
    try {
      fn(responseData, reqData);
    } catch (e) {
      console.error("cardvault: the " + name + " callback failed", e);
    }
  }

  function tellParent(responseData) {
    if (window.parent === window) return;
    const message = {
      type: cfg.messageType,
      // PCI Vault answers {token}, Guardian's session completion {data: {token_id}}.
      token: responseData.token || responseData.id || (responseData.data && responseData.data.token_id) || "",
      reference: responseData.reference || "",
    };
    // The vault's origin from the page's URL: a sandboxed page's own
    // origin (window.location.origin) is opaque, "null".
    const origins = cfg.origins.length ? cfg.origins : [new URL(window.location.href).origin];
    for (const origin of origins) {
      try {
        window.parent.postMessage(message, origin);
      } catch (e) {
        // A malformed origin cannot reach anyone; the others still do.
      }
    }
  }

  let sending = false;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (sending) return;
    showFormError("");
    let firstBad = null;
    for (const name of ["card_number", "expiry", "cvv", "card_holder", "account_holder", "routing_number", "account_number", "account_type", "reference"]) {
      if (check(name) && !firstBad) firstBad = input(name);
    }
    if (firstBad) {
      firstBad.focus();
      return;
    }
    const ref = (input("reference") && input("reference").value.trim()) || cfg.reference || "";
    // The card data lives only in payload until the request is sent;
    // callbacks get reqData, which never holds the number or the code.
    let sent = body();
    const reqData = requestData(sent, ref);
    let payload = JSON.stringify(shape(sent));
    sent = null;
    const headers = Object.assign({ "Content-Type": "application/json" }, cfg.headers);
    if (cfg.secretHeader) headers[cfg.secretHeader] = secret;
    sending = true;
    setBusy(true);
    let resp;
    let data = {};
    try {
      const request = fetch(submitURL(ref), {
        method: "POST",
        headers: headers,
        body: payload,
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
      payload = null;
      resp = await request;
      data = await resp.json().catch(() => ({}));
    } catch (e) {
      payload = null;
      sending = false;
      setBusy(false);
      showFormError("The card vault could not be reached. Check your connection and try again.");
      return;
    }
    if (!resp.ok) {
      showFormError(vaultMessage(resp.status, data));
      if (callback("error")) {
        // The shopper types the card again after the callback.
        call("error", data, reqData);
        clearCard(false);
        const first = cardInputs.map(input).find((el) => el);
        if (first) first.focus();
      }
      sending = false;
      setBusy(false);
      return;
    }
    clearCard(true);
    form.hidden = true;
    done.hidden = false;
    done.focus();
    tellParent(data);
    call("success", data, reqData);
  });
})();
