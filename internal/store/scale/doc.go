// Package scale holds the store scale benchmark: point reads, list pages
// and fingerprint lookups measured on stores holding a thousand and a
// million cards, to show that their cost does not grow with the store. It
// has no code outside its tests.
package scale
