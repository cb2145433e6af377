// cardvault's card input helpers, shared by the vault's card pages (the
// hosted form and the Secure Fields frames). Runs only as a nonce'd script
// before the page's own; defines one frozen global lexical binding.
const cardvaultCard = (function () {
  "use strict";

  const digitsOf = (s) => s.replace(/\D/g, "");

  // schemeOf names the card scheme from the leading digits (the IIN), by
  // the page's table of ranges, most specific first.
  function schemeOf(schemes, digits) {
    for (const r of schemes) {
      if (digits.length < r.len) continue;
      const p = Number(digits.slice(0, r.len));
      if (p >= r.lo && p <= r.hi) return r.scheme;
    }
    return "";
  }

  function luhn(digits) {
    let sum = 0;
    let double = false;
    for (let i = digits.length - 1; i >= 0; i--) {
      let d = digits.charCodeAt(i) - 48;
      if (double) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      double = !double;
    }
    return sum % 10 === 0;
  }

  // group splits digits as the scheme prints them (info.groups, e.g. 4-6-5
  // for Amex, while the number fits them), else in fours.
  function group(digits, info) {
    const sizes = info && info.groups && digits.length <= info.groups.reduce((a, b) => a + b, 0) ? info.groups : null;
    const parts = [];
    let i = 0;
    let g = 0;
    while (i < digits.length) {
      const n = sizes ? sizes[Math.min(g, sizes.length - 1)] : 4;
      parts.push(digits.slice(i, i + n));
      i += n;
      g++;
    }
    return parts.join(" ");
  }

  // reformat rewrites an input's value and keeps the caret after the same
  // number of digits.
  function reformat(el, value) {
    const focused = document.activeElement === el;
    const caret = focused ? el.selectionStart : el.value.length;
    const before = digitsOf(el.value.slice(0, caret)).length;
    el.value = value;
    if (!focused) return;
    let pos = 0;
    let seen = 0;
    while (pos < value.length && seen < before) {
      if (value[pos] >= "0" && value[pos] <= "9") seen++;
      pos++;
    }
    if (before === 0) pos = 0;
    el.setSelectionRange(pos, pos);
  }

  // expiryProblem says what is wrong with an expiry typed as MMYY digits,
  // or "" when it is a month from now to 30 years ahead.
  function expiryProblem(d) {
    if (d === "") return "Enter the expiry date.";
    if (d.length !== 4) return "Enter the expiry date as MM / YY.";
    const month = Number(d.slice(0, 2));
    const year = 2000 + Number(d.slice(2));
    if (month < 1 || month > 12) return "Enter a month from 01 to 12.";
    const now = new Date();
    if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) return "This card has expired.";
    if (year > now.getFullYear() + 30) return "Check the expiry year.";
    return "";
  }

  return Object.freeze({ digitsOf, schemeOf, luhn, group, reformat, expiryProblem });
})();
