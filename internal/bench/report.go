package bench

import (
	"fmt"
	"html"
	"io"
	"time"
)

// Ratio compares two scenarios of one run: Num's requests/s over Den's.
type Ratio struct {
	Num, Den string
	// Why says what the ratio measures.
	Why string
}

// Ratios are the comparisons a run prints when both scenarios ran.
var Ratios = []Ratio{
	{"forward", "relay", "forward through the vault / a bare relay making the same provider call (floor: 0.40)"},
	{"forward", "direct", "forward through the vault / the provider called directly"},
	{"relay", "direct", "bare relay / the provider called directly"},
	{"reveal", "tokenize", "native reveal / tokenize"},
	{"reveal-pcivault", "reveal", "PCI Vault reveal (passphrase, HPKE entry) / native reveal"},
	{"capture", "tokenize", "capture endpoint post / tokenize"},
}

// WriteRatios prints every ratio whose two scenarios are in results.
func WriteRatios(w io.Writer, results map[string]Result) {
	for _, r := range Ratios {
		n, d := results[r.Num], results[r.Den]
		if n.RPS() <= 0 || d.RPS() <= 0 {
			continue
		}
		fmt.Fprintf(w, "%-34s %5.2f of the requests/s, p99 %5.2fx   (%s)\n",
			r.Num+" / "+r.Den, n.RPS()/d.RPS(), float64(n.P99)/float64(max(d.P99, 1)), r.Why)
	}
}

// ms renders a latency in milliseconds for tables.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// WriteMarkdown renders results as a Markdown table, in order.
func WriteMarkdown(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| scenario | req/s | p50 | p99 | p99.9 | errors | RSS after |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range results {
		rss := "—"
		if r.RSS > 0 {
			rss = fmt.Sprintf("%d MB", r.RSS>>20)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s |\n",
			r.Name, thousands(r.RPS()), ms(r.P50), ms(r.P99), ms(r.P999), r.Errors, rss)
	}
}

// thousands renders a rate rounded to a whole number with comma separators.
func thousands(f float64) string {
	n := int64(f + 0.5)
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// WriteSVG draws two bar charts side by side: requests/s and p99 latency
// per scenario, in the order given.
func WriteSVG(w io.Writer, title string, results []Result) error {
	const (
		label, panel, gap, row, top = 130, 300, 40, 26, 50
	)
	width := label + 2*panel + gap + 20
	height := top + row*len(results) + 20
	var maxRPS float64
	var maxP99 time.Duration
	for _, r := range results {
		maxRPS, maxP99 = max(maxRPS, r.RPS()), max(maxP99, r.P99)
	}
	p := &printer{w: w}
	p.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	p.printf(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p.printf(`<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", 8, html.EscapeString(title))
	p.printf(`<text x="%d" y="40" font-weight="bold">requests/s (longer is better)</text>`+"\n", label)
	p.printf(`<text x="%d" y="40" font-weight="bold">p99 latency (shorter is better)</text>`+"\n", label+panel+gap)
	for i, r := range results {
		y := top + i*row
		p.printf(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", label-8, y+15, html.EscapeString(r.Name))
		bw := 0
		if maxRPS > 0 {
			bw = int(r.RPS() / maxRPS * (panel - 70))
		}
		p.printf(`<rect x="%d" y="%d" width="%d" height="18" fill="#3b7dd8"/>`+"\n", label, y+2, bw)
		p.printf(`<text x="%d" y="%d">%s</text>`+"\n", label+bw+4, y+15, thousands(r.RPS()))
		lw := 0
		if maxP99 > 0 {
			lw = int(float64(r.P99) / float64(maxP99) * (panel - 70))
		}
		x := label + panel + gap
		p.printf(`<rect x="%d" y="%d" width="%d" height="18" fill="#d8743b"/>`+"\n", x, y+2, lw)
		p.printf(`<text x="%d" y="%d">%s</text>`+"\n", x+lw+4, y+15, ms(r.P99))
	}
	p.printf("</svg>\n")
	return p.err
}

// printer writes formatted text and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
