package card

import "testing"

// BenchmarkContainsPANLogLine is the detector over the string attributes of
// one access log line (no card number: the common case).
func BenchmarkContainsPANLogLine(b *testing.B) {
	attrs := []string{"request", "req_3f9c2a71b0d44e8e5a6c1b27", "POST", "POST /api/pci/tokens/{id}/forward",
		"/api/pci/tokens/01a23ced-d1b8-79b0-88e0-1c1cc3edcabd/forward", "127.0.0.1:52344", "t_01a23ced", "k_7d1e"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range attrs {
			if ContainsPAN(s) {
				b.Fatal(s)
			}
		}
	}
}
