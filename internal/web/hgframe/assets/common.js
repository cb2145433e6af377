// Shared by the field and coordinator frames: the page's configuration and
// the card checks (scheme by IIN, Luhn, lengths, expiry), over the vault's
// shared card helpers (cardvaultCard, embedded before this script). No card
// data ever goes to the parent window.
const config = JSON.parse(document.getElementById("hg-config").textContent);

// sdkBrand names a scheme as the SDK does ("american-express").
function sdkBrand(scheme) {
  return scheme ? scheme.replace(/ /g, "-") : "";
}

// schemeOf names the scheme of a card number's digits, or "".
function schemeOf(digits) {
  return cardvaultCard.schemeOf(config.schemes, digits);
}

// infoOf describes a scheme (lengths, groups, security-code length).
function infoOf(scheme) {
  return (scheme && config.schemeInfo[scheme]) || {cvc: 0};
}

// luhn reports whether digits pass the Luhn check.
function luhn(digits) {
  return digits.length > 0 && cardvaultCard.luhn(digits);
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

// expiryError checks a month (1-12) and a four-digit year: "" for a
// month from now to 30 years ahead, as the hosted form checks it.
function expiryError(month, year) {
  if (!(month >= 1 && month <= 12) || !(year >= 2000 && year <= 2099)) return "Enter a month from 01 to 12.";
  return cardvaultCard.expiryProblem(String(month).padStart(2, "0") + String(year - 2000).padStart(2, "0"));
}
