package main

import (
	"fmt"
	"io"
	"time"
)

// progressLine prints "label: done/total (pct), rate/s, ETA" on one
// terminal line, at most a few times a second, and a final line on done.
type progressLine struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, label string) *progressLine {
	return &progressLine{w: w, label: label, start: time.Now()}
}

// update redraws the line; a negative total means unknown.
func (p *progressLine) update(done, total int) {
	now := time.Now()
	if (total < 0 || done < total) && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	rate, eta := 0.0, "?"
	if elapsed > 0 && done > 0 {
		rate = float64(done) / elapsed
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	if total < 0 { // unknown total: count and rate only
		fmt.Fprintf(p.w, "\r%s: %d, %.0f/s   ", p.label, done, rate)
		return
	}
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	fmt.Fprintf(p.w, "\r%s: %d/%d (%.0f%%), %.0f/s, ETA %s   ", p.label, done, total, pct, rate, eta)
	if done >= total {
		fmt.Fprintln(p.w)
	}
}
