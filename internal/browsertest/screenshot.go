package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot checks that the page in ctx, laid out width pixels wide, does
// not scroll sideways, takes a full-page screenshot of it and, when write
// is set (a test's -update flag), writes it to path, creating its folder.
func Screenshot(t *testing.T, ctx context.Context, width int64, path string, write bool) {
	t.Helper()
	if w := Eval[float64](t, ctx, `document.documentElement.scrollWidth`); w > float64(width) {
		t.Errorf("%s: at %d px the page scrolls sideways (%v px wide)", filepath.Base(path), width, w)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || int64(img.Bounds().Dx()) != width {
		t.Fatalf("screenshot at %d px: %v", width, err)
	}
	if !write {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
