package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestDiffRowsNumbersAndPairs(t *testing.T) {
	t.Parallel()
	body := []string{
		"@@ -10,4 +10,5 @@ func main() {",
		" \ta := 1",
		"-\tb := compute(a, 2)",
		"+\tb := compute(a, 3)",
		"+\tc := b",
		" \treturn",
		"@@ -40,2 +41,2 @@",
		"-old line entirely",
		"+something else completely new",
		"\\ No newline at end of file",
	}
	rows := diffRows(body)
	type want struct {
		kind   byte
		num    int
		code   string
		marked string
	}
	wants := []want{
		{'@', 0, "func main() {", ""},
		{' ', 10, "    a := 1", ""},
		{'-', 11, "    b := compute(a, 2)", "2"},
		{'+', 11, "    b := compute(a, 3)", "3"},
		{'+', 12, "    c := b", ""},
		{' ', 13, "    return", ""},
		{'@', 0, "", ""},
		{'-', 40, "old line entirely", ""}, // too different for a word highlight
		{'+', 41, "something else completely new", ""},
		{'\\', 0, "\\ No newline at end of file", ""},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(wants), rows)
	}
	for i, w := range wants {
		r := rows[i]
		if r.kind != w.kind || r.num != w.num || r.code != w.code || r.code[r.lo:r.hi] != w.marked {
			t.Errorf("row %d = {%c %d %q marked %q}, want {%c %d %q marked %q}", i, r.kind, r.num, r.code, r.code[r.lo:r.hi], w.kind, w.num, w.code, w.marked)
		}
	}
}

func TestExpandTabs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"\tx", "    x"}, {"ab\tx", "ab  x"}, {"abcd\tx", "abcd    x"}, {"a\tb\tc", "a   b   c"}, {"none", "none"},
	} {
		if got := expandTabs(c.in, 4); got != c.want {
			t.Errorf("expandTabs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The diff's code is coloured by the file's language, the changed word is
// in reverse video, and hostile bytes in the code are never drawn raw.
func TestRenderDiffRows(t *testing.T) {
	t.Parallel()
	rows := diffRows([]string{"-\treturn x", "+\treturn y", " func f() {}", "+evil \x1b]52;c;aGk=\x07 here"})
	out := renderDiffRows(rows, "go")
	if !strings.Contains(out[1], "\x1b[7my\x1b[27m") || !strings.Contains(out[0], "\x1b[7mx\x1b[27m") {
		t.Errorf("the changed words are not highlighted:\n%q\n%q", out[0], out[1])
	}
	if !strings.Contains(out[2], "\x1b[35mfunc\x1b[39m") {
		t.Errorf("go keywords are not coloured: %q", out[2])
	}
	if strings.Contains(out[3], "\x1b]52") {
		t.Errorf("an OSC sequence in the code reaches the terminal: %q", out[3])
	}
	for i, want := range []string{"1 -     return x", "1 +     return y", "2   func f() {}"} {
		if got := ansi.Strip(out[i]); got != want {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
}

const gitDiffSample = `diff --git a/main.go b/main.go
index 3b18e51..a1c2d3e 100644
--- a/main.go
+++ b/main.go
@@ -3,3 +3,3 @@ import "fmt"
 func main() {
-	fmt.Println("hello")
+	fmt.Println("hello, world")
 }
diff --git a/docs/new.md b/docs/new.md
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/docs/new.md
@@ -0,0 +1,2 @@
+# New
+text
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..1111111
Binary files /dev/null and b/logo.png differ
`

func TestGitDiffRows(t *testing.T) {
	t.Parallel()
	got := make([]string, 0)
	for _, r := range gitDiffRows(gitDiffSample) {
		got = append(got, ansi.Strip(r))
	}
	want := []string{
		"  └ main.go (+1 -1)",
		`      ⋮ import "fmt"`,
		"    3   func main() {",
		`    4 -     fmt.Println("hello")`,
		`    4 +     fmt.Println("hello, world")`,
		"    5   }",
		"  └ docs/new.md (+2 -0)",
		"    1 + # New",
		"    2 + text",
		"  └ logo.png (+0 -0)",
		"        Binary files /dev/null and b/logo.png differ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("gitDiffRows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A /diff taller than the screen opens in a pager that scrolls; a short one
// is a cell.
func TestDiffPager(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.send(tea.WindowSizeMsg{Width: 80, Height: 12})
	var long strings.Builder
	long.WriteString("diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,0 +1,40 @@\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&long, "+row %d\n", i)
	}
	h.m.showDiff(long.String())
	if _, ok := h.m.overlay.(*pager); !ok {
		t.Fatalf("a long diff is not paged")
	}
	f := h.frame()
	if !strings.Contains(f, "row 1\n") && !strings.Contains(f, "+ row 1") || strings.Contains(f, "row 40") {
		t.Errorf("the pager does not start at the top:\n%s", f)
	}
	h.key("G")
	if f := h.frame(); !strings.Contains(f, "+ row 40") || !strings.Contains(f, "of 41") {
		t.Errorf("G does not reach the end:\n%s", f)
	}
	h.key("q")
	if h.m.overlay != nil {
		t.Errorf("q does not close the pager")
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 40})
	h.m.showDiff(gitDiffSample)
	if h.m.overlay != nil || !strings.Contains(h.scrollback(), "docs/new.md") {
		t.Errorf("a short diff is not a cell")
	}
}
