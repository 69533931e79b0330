package proc

import (
	"fmt"
	"strings"
	"testing"
)

// Output captured with a marker (the capture kept only head and tail of a
// huge output) and cut again reports everything omitted, the marker's
// count included, not only the part cut the second time.
func TestTruncateCountsInnerMarkers(t *testing.T) {
	line := strings.Repeat("x", 99) + "\n"
	captured := strings.Repeat(line, 500) + strings.TrimPrefix(OmittedMarker(1_000_000_000, 10_000_000), "\n") + strings.Repeat(line, 500)
	got := TruncateLines(captured, 10_000, 0)
	i := strings.Index(got, "[... ")
	if i < 0 {
		t.Fatalf("no marker in:\n%s", got)
	}
	var b, l int64
	if _, err := fmt.Sscanf(got[i:], "[... %d bytes (%d lines) omitted ...]", &b, &l); err != nil {
		t.Fatalf("marker %q: %v", got[i:i+60], err)
	}
	wantBytes := int64(1_000_000_000) + int64(len(captured)-10_000) - 200 // about: 1 GB plus what this cut removed
	if b < wantBytes || b > 1_000_000_000+int64(len(captured)) {
		t.Errorf("omitted bytes = %d, want about %d", b, wantBytes)
	}
	if l < 10_000_000 {
		t.Errorf("omitted lines = %d, want at least the inner marker's 10000000", l)
	}
	if strings.Count(got, "[... ") != 1 {
		t.Errorf("want one marker:\n%s", got)
	}
}
