package web

import (
	"strings"
	"testing"
)

// Every link CheckStyleLink accepts is https and yields an origin the
// policy takes as one style source, so no link can add a directive or a
// wider source to the Content-Security-Policy.
func FuzzCheckStyleLink(f *testing.F) {
	for _, s := range []string{"https://cdn.example/a.css", "https://CDN.example:8443/x.css?v=1#f", "http://cdn.example/a.css",
		"https://cdn.example/a.css; script-src *", "https://user@cdn.example/", "https://*.example/a.css", "//cdn.example/a.css",
		"https://[::1]:8443/a.css", "https://cdn.example/a b.css"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		origin, err := CheckStyleLink(link)
		if err != nil {
			return
		}
		if !strings.EqualFold(link[:min(len(link), 8)], "https://") || strings.ContainsAny(origin, " ;,'*") {
			t.Fatalf("accepted %q with origin %q", link, origin)
		}
		p, err := policy("abcdefghijklmnop", nil, []string{origin}, false)
		if err != nil {
			t.Fatalf("the origin %q of an accepted link breaks the policy: %v", origin, err)
		}
		if strings.Count(p, ";") != 7 || !strings.Contains(p, "style-src 'nonce-abcdefghijklmnop' "+origin+";") {
			t.Fatalf("policy %q", p)
		}
	})
}

// CheckStyle refuses anything that could end the style element.
func TestCheckStyle(t *testing.T) {
	for _, css := range []string{"a{}</style><script>x()</script>", "a{}</STYLE>", "<!--", "\x00", strings.Repeat("a", MaxStyle+1), "\xff"} {
		if CheckStyle(css) == nil {
			t.Errorf("accepted %q", css[:min(len(css), 30)])
		}
	}
	if err := CheckStyle(`main.card{border:1px solid #123} @media (max-width: 400px){h1{font-size:1rem}}`); err != nil {
		t.Error(err)
	}
}
