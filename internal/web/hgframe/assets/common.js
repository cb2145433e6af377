"use strict";
// Shared by the field and coordinator frames: the page's configuration and
// the card checks (scheme by IIN, Luhn, lengths, expiry), written for
// cardvault. No card data ever goes to the parent window.
const config = JSON.parse(document.getElementById("hg-config").textContent);

// sdkBrand names a scheme as the SDK does ("american-express").
function sdkBrand(scheme) {
  return scheme ? scheme.replace(/ /g, "-") : "";
}

// schemeOf names the scheme of a card number's digits, or "".
function schemeOf(digits) {
  for (const r of config.schemes) {
    if (digits.length < r.len) continue;
    const p = Number(digits.slice(0, r.len));
    if (p >= r.lo && p <= r.hi) return r.scheme;
  }
  return "";
}

// infoOf describes a scheme (lengths, groups, security-code length).
function infoOf(scheme) {
  return (scheme && config.schemeInfo[scheme]) || {cvc: 0};
}

// luhn reports whether digits pass the Luhn check.
function luhn(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// numberLengths lists a scheme's valid number lengths.
function numberLengths(scheme) {
  const l = infoOf(scheme).lengths;
  return l && l.length ? l : [12, 13, 14, 15, 16, 17, 18, 19];
}

// cvcLengths lists the security-code lengths a brand takes.
function cvcLengths(brand) {
  const n = infoOf((brand || "").replace(/-/g, " ")).cvc;
  return n ? [n] : [3, 4];
}

// fullYear turns a two-digit year into a four-digit one.
function fullYear(yy) {
  return 2000 + Number(yy);
}

// expiryError checks a month (1-12) and a four-digit year: "" when the
// card has not expired and expires within 20 years.
function expiryError(month, year) {
  const now = new Date();
  const thisYear = now.getFullYear(), thisMonth = now.getMonth() + 1;
  if (!(month >= 1 && month <= 12)) return "The expiry month is not a month";
  if (year < thisYear || (year === thisYear && month < thisMonth)) return "The card has expired";
  if (year > thisYear + 20) return "The expiry year is too far ahead";
  return "";
}
