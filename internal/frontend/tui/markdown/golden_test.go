package markdown

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenWidth is the width every testdata/*.md input is rendered at.
const goldenWidth = 60

// TestGolden renders each testdata/NAME.md at goldenWidth and compares the
// result with two golden files: NAME.plain.golden (escapes stripped: layout,
// wrapping, text) and NAME.ansi.golden (escapes kept, ESC shown as ␛ and BEL
// as ␇: styling). Run `go test -run TestGolden -update` to rewrite them, and
// review the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no testdata/*.md inputs")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".md")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out := mustRender(t, string(src), goldenWidth)
			if bad := overWide(out, goldenWidth); len(bad) > 0 {
				t.Errorf("lines wider than %d:\n%s", goldenWidth, strings.Join(bad, "\n"))
			}
			base := filepath.Join("testdata", name)
			checkGolden(t, base+".plain.golden", strings.Join(plainLines(out), "\n")+"\n")
			checkGolden(t, base+".ansi.golden", visible(out)+"\n")
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
