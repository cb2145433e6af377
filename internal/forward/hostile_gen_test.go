package forward_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Random template generators for TestHostileHoldersKeepTheBodySyntax: each
// returns a template of one syntax with the holder placeholder in many
// positions.

const (
	phHolder = "{{ CARD_HOLDER_NAME_1 }}"
	phNumber = "{{CARD_NUMBER_1}}"
	phMonth  = "{{ CARD_EXPIRATION_DATE_M_1 }}"
)

var words = []string{"name", "card", "amount", "x", "ref", "a b", "données", "id"}

func word(r *rand.Rand) string { return words[r.IntN(len(words))] }

// jsonText is literal JSON string content, sometimes with escapes, with a
// placeholder inside it now and then.
func jsonText(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return phHolder
	case 1:
		return word(r) + " " + phHolder + `\n\"`
	case 2:
		return phNumber
	case 3:
		return `\u00e9` + word(r)
	}
	return word(r)
}

func genJSONValue(r *rand.Rand, depth int) string {
	n := r.IntN(9)
	if depth > 2 && n >= 6 {
		n = r.IntN(6)
	}
	switch n {
	case 0:
		return phHolder // bare: written as a JSON string
	case 1:
		return phNumber // bare digits, as written
	case 2:
		return phMonth
	case 3:
		return fmt.Sprint(r.IntN(1000))
	case 4:
		return []string{"true", "false", "null"}[r.IntN(3)]
	case 5:
		return `"` + jsonText(r) + `"`
	case 6, 7:
		var parts []string
		for range 1 + r.IntN(4) {
			parts = append(parts, `"`+jsonText(r)+`":`+ws(r)+genJSONValue(r, depth+1))
		}
		return "{" + ws(r) + strings.Join(parts, ","+ws(r)) + ws(r) + "}"
	}
	var parts []string
	for range 1 + r.IntN(4) {
		parts = append(parts, genJSONValue(r, depth+1))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func ws(r *rand.Rand) string { return []string{"", " ", "\n  ", "\t"}[r.IntN(4)] }

func genJSONTemplate(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return "[" + genJSONValue(r, 1) + "," + genJSONValue(r, 2) + "]"
	}
	return `{"` + word(r) + `":` + genJSONValue(r, 1) + `,"h":"` + phHolder + `"}`
}

func genXMLElement(r *rand.Rand, depth int) string {
	name := []string{"card", "name", "h", "pan", "x"}[r.IntN(5)]
	var attrs string
	for range r.IntN(3) {
		q := []string{`"`, `'`}[r.IntN(2)]
		val := []string{phHolder, word(r), "x " + phHolder + " y", phNumber}[r.IntN(4)]
		attrs += fmt.Sprintf(" a%d=%s%s%s", len(attrs), q, val, q)
	}
	var body string
	for range r.IntN(4) {
		switch n := r.IntN(7); {
		case n == 0 && depth < 3:
			body += genXMLElement(r, depth+1)
		case n == 1:
			body += "<![CDATA[" + word(r) + phHolder + "]]>"
		case n == 2:
			body += "<!-- " + phHolder + " -->"
		case n == 3:
			body += "&amp;" + word(r)
		case n == 4:
			body += phNumber
		default:
			body += " " + phHolder + " "
		}
	}
	if body == "" && r.IntN(2) == 0 {
		return "<" + name + attrs + "/>"
	}
	return "<" + name + attrs + ">" + body + "</" + name + ">"
}

func genXMLTemplate(r *rand.Rand) string {
	doc := "<root>" + genXMLElement(r, 0) + genXMLElement(r, 1) + "<h>" + phHolder + "</h></root>"
	if r.IntN(2) == 0 {
		doc = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + doc
	}
	return doc
}

func genFormTemplate(r *rand.Rand) string {
	var pairs []string
	for range 1 + r.IntN(5) {
		k := []string{"name", "card[number]", "card[name]", "x%20y", "ref"}[r.IntN(5)]
		v := []string{phHolder, phNumber, phMonth, "abc", "a+b%26c", "pre" + phHolder}[r.IntN(6)]
		pairs = append(pairs, k+"="+v)
	}
	return strings.Join(pairs, "&") + "&h=" + phHolder
}

func genTextTemplate(r *rand.Rand) string {
	return []string{"Name: ", "holder ", "<<", "card|", "{", ""}[r.IntN(6)] + phHolder + " " + word(r) + " " + phNumber + " " + phMonth
}
