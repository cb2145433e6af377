package web

import (
	"strings"
	"testing"
)

func TestCheckScript(t *testing.T) {
	for _, src := range []string{
		"function(a, b) { window.location.replace('/done?ref=' + a.reference); }",
		"(r) => console.log('</div>', r)",
		"function(r){ return 1 < 2 && 3 > 2 }",
	} {
		if err := CheckScript(src); err != nil {
			t.Errorf("refused %q: %v", src, err)
		}
	}
	for _, src := range []string{
		"function(){ '<!--' }",
		"function(){ '<SCRIPT>' }",
		"function(){ '<script src=x>' }",
		"function(){}\x00",
		"function(){ '\xff' }",
	} {
		if err := CheckScript(src); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
}

func TestEmbedScriptCannotCloseTheElement(t *testing.T) {
	got, err := embedScript("function(){ var s = '</script><img src=x>'; var t = '</SCRIPT >'; }")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(got), "</script") {
		t.Errorf("embedded script can close its element: %s", got)
	}
	if got != `function(){ var s = '<\/script><img src=x>'; var t = '<\/SCRIPT >'; }` {
		t.Errorf("embedded as %s", got)
	}
}

// FuzzEmbedScript checks the embedding rule on any input: what is accepted
// can neither close the script element nor enter the parser's escaped
// states, and the embedded form equals the source once "<\/" is read as "</".
func FuzzEmbedScript(f *testing.F) {
	for _, s := range []string{"function(a,b){}", "</script>", "<!-- x", "<ScRiPt>", "a</b", "<\\/", "\x00", "<</script"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		got, err := embedScript(src)
		if err != nil {
			if CheckScript(src) == nil {
				t.Fatalf("embedScript refused what CheckScript accepts: %q", src)
			}
			return
		}
		lower := strings.ToLower(got)
		if strings.Contains(got, "</") || strings.Contains(lower, "<!--") || strings.Contains(lower, "<script") {
			t.Fatalf("unsafe embedding of %q: %q", src, got)
		}
		if strings.ReplaceAll(got, `<\/`, "</") != strings.ReplaceAll(src, `<\/`, "</") {
			t.Fatalf("embedding changed more than '</': %q -> %q", src, got)
		}
	})
}
