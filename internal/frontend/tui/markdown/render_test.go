package markdown

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// TestRenderPlain pins the layout of small inputs (escapes stripped,
// trailing spaces trimmed).
func TestRenderPlain(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		width int
		want  []string
	}{
		{"empty", "", 40, []string{""}},
		{"only blank lines", "\n\n   \n", 40, []string{""}},
		{"no trailing newline", "hello\n\n", 40, []string{"hello"}},
		{"crlf", "one\r\ntwo\r\n\r\nthree", 40, []string{"one two", "", "three"}},
		{"one blank line between blocks", "# H\n\n\n\npara\n\n\n- item", 40,
			[]string{"H", "", "para", "", "• item"}},
		{"wrap at width", "aaa bbb ccc ddd eee fff", 11, []string{"aaa bbb ccc", "ddd eee fff"}},
		{"long word hard-wrapped", strings.Repeat("x", 25), 10,
			[]string{"xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"}},
		{"width below 10 is clamped", "aaaa bbbb cccc", 1, []string{"aaaa bbbb", "cccc"}},
		{"heading closing hashes", "## Title ##", 40, []string{"Title"}},
		{"seven hashes is text", "####### x", 40, []string{"####### x"}},
		{"hashtag is text", "#tag", 40, []string{"#tag"}},
		{"rule capped at 40", "***", 80, []string{strings.Repeat("─", 40)}},
		{"rule at narrow width", "___", 12, []string{strings.Repeat("─", 12)}},
		{"spaced rule", "- - -", 40, []string{strings.Repeat("─", 40)}},
		{"nested list", "- a\n  - b\n    - c\n- d", 40,
			[]string{"• a", "  ◦ b", "    ◦ c", "• d"}},
		{"nesting pad capped at 8", "- a\n            - deep", 40, []string{"• a", "        ◦ deep"}},
		{"tab indent nests", "- a\n\t- b", 40, []string{"• a", "    ◦ b"}},
		{"list item wraps under text", "- aaa bbb ccc ddd", 10,
			[]string{"• aaa bbb", "  ccc ddd"}},
		{"ordered item wraps under text", "10. aaa bbb ccc", 12,
			[]string{"10. aaa bbb", "    ccc"}},
		{"nested item wraps under its text", "- a\n  - bbb ccc ddd eee", 12,
			[]string{"• a", "  ◦ bbb ccc", "    ddd eee"}},
		{"continuation lines join", "- one\n  two\n  three", 40, []string{"• one two three"}},
		{"blank line keeps list together", "1. a\n\n2. b", 40, []string{"1. a", "2. b"}},
		{"tasks", "- [ ] todo\n- [x] done\n- [X] Done", 40, []string{"☐ todo", "✔ done", "✔ Done"}},
		{"half-typed task is a bullet", "- [ ]\n- [x", 40, []string{"• [ ]", "• [x"}},
		{"quote", "> a\n> b", 40, []string{"│ a b"}},
		{"nested quote", "> > in\n> out", 40, []string{"│ │ in", "│", "│ out"}},
		{"quote wraps inside bar", "> aaa bbb ccc", 9, []string{"│ aaa bbb", "│ ccc"}},
		{"code block indented", "```\nx\n  y\n```", 40, []string{"  x", "    y"}},
		{"code tabs expand", "```\n\tx\n```", 40, []string{"      x"}},
		{"code hard-wrapped", "```\n" + strings.Repeat("c", 12) + "\n```", 10,
			[]string{"  cccccccc", "  cccc"}},
		{"tilde fence not closed by backticks", "~~~\na\n```\nb\n~~~\nafter", 40,
			[]string{"  a", "  ```", "  b", "", "after"}},
		{"indented fence", "  ```\n  x\n  ```", 40, []string{"    x"}},
		{"hard break backslash", "a\\\nb", 40, []string{"a", "b"}},
		{"hard break two spaces", "a  \nb", 40, []string{"a", "b"}},
		{"soft break joins", "a\nb", 40, []string{"a b"}},
		{"paragraph stops at heading", "a\n# H", 40, []string{"a", "", "H"}},
		{"paragraph stops at list", "a\n- b", 40, []string{"a", "", "• b"}},
		{"paragraph stops at quote", "a\n> b", 40, []string{"a", "", "│ b"}},
		{"paragraph stops at fence", "a\n```\nb\n```", 40, []string{"a", "", "  b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plainLines(mustRender(t, tt.src, tt.width))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Render(%q, %d) mismatch (-want +got):\n%s", tt.src, tt.width, diff)
			}
		})
	}
}

// TestRenderFitsWidth checks that ordinary prose, lists, quotes, headings and
// code never produce a line wider than the width, at many widths.
func TestRenderFitsWidth(t *testing.T) {
	inputs := map[string]string{
		"prose": "The quick brown fox jumps over the lazy dog. " +
			"Supercalifragilisticexpialidocious-and-then-some is one long word. " +
			"A [link with text](https://example.com/a/really/long/path/that/keeps/going) and `a code span`.",
		"heading":  "## A heading that is longer than the narrowest widths we try",
		"list":     "- one two three four five six\n  - nested seven eight nine ten\n    1. ordered eleven twelve thirteen",
		"tasks":    "- [ ] an open task that wraps\n- [x] a done task that wraps too",
		"quote":    "> quoted words that go on and on\n> > and a nested quote that also goes on",
		"code":     "```go\nfunc main() { fmt.Println(\"a string that is long\") } // and a comment\n\tx := []int{1, 2, 3}\n```",
		"diff":     "```diff\n+added a line that is fairly long for a narrow terminal\n-removed\n```",
		"cjk":      "中文中文中文中文中文中文中文中文 日本語の文章 😀😀😀😀😀😀😀😀 👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧",
		"cjk list": "- 中文列表项中文列表项中文列表项\n  - 日本語日本語日本語日本語",
		"cjk code": "```\n中文代码中文代码中文代码中文代码中文代码\n```",
	}
	for name, src := range inputs {
		for width := 10; width <= 100; width++ {
			out := mustRender(t, src, width)
			if bad := overWide(out, width); len(bad) > 0 {
				t.Errorf("%s at width %d: lines too wide:\n%s", name, width, strings.Join(bad, "\n"))
			}
		}
	}
}

// TestTables covers alignment, padding, truncation with "…" and shrinking
// a table that is wider than the width.
func TestTables(t *testing.T) {
	t.Run("aligned", func(t *testing.T) {
		src := "| a | bb |\n|---|:--:|\n| ccc | d |"
		want := []string{"a   │ bb", "────┼───", "ccc │ d"}
		if diff := cmp.Diff(want, plainLines(mustRender(t, src, 40))); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("ragged rows pad to the widest", func(t *testing.T) {
		src := "| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |"
		want := []string{"a │ b │", "──┼───┼──", "1 │   │", "1 │ 2 │ 3"}
		if diff := cmp.Diff(want, plainLines(mustRender(t, src, 40))); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("header only (separator still streaming)", func(t *testing.T) {
		src := "| a | b |\n|--"
		want := []string{"a │ b", "──┼──"}
		if diff := cmp.Diff(want, plainLines(mustRender(t, src, 40))); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("wider than width: widest column shrinks and truncates", func(t *testing.T) {
		src := "| key | value |\n|---|---|\n| k | " + strings.Repeat("word ", 20) + "|"
		for _, width := range []int{10, 20, 33, 60} {
			out := mustRender(t, src, width)
			if bad := overWide(out, width); len(bad) > 0 {
				t.Errorf("width %d: lines too wide:\n%s", width, strings.Join(bad, "\n"))
			}
			lines := plainLines(out)
			if len(lines) != 3 {
				t.Fatalf("width %d: got %d lines, want 3: %q", width, len(lines), lines)
			}
			if !strings.HasSuffix(lines[2], "…") || !strings.HasPrefix(lines[2], "k ") {
				t.Errorf("width %d: want truncated value row, got %q", width, lines[2])
			}
			if !strings.HasPrefix(lines[0], "key │ ") {
				t.Errorf("width %d: narrow column should keep its width, got %q", width, lines[0])
			}
		}
	})
	t.Run("cjk cells truncate by display width", func(t *testing.T) {
		src := "| 名前 | 説明 |\n|---|---|\n| 東京 | 日本の首都です。とても大きな都市 |"
		out := mustRender(t, src, 20)
		if bad := overWide(out, 20); len(bad) > 0 {
			t.Errorf("lines too wide:\n%s", strings.Join(bad, "\n"))
		}
		want := []string{"名前 │ 説明", "─────┼──────────────", "東京 │ 日本の首都で…"}
		if diff := cmp.Diff(want, plainLines(out)); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("emoji cells align", func(t *testing.T) {
		src := "| e | n |\n|---|---|\n| 😀 | 1 |\n| 👍🏽 | 2 |\n| x | 3 |"
		var cols []int
		for _, l := range strings.Split(mustRender(t, src, 40), "\n") {
			p := plain(l)
			if i := strings.IndexAny(p, "│┼"); i >= 0 {
				cols = append(cols, ansi.StringWidth(p[:i]))
			}
		}
		for _, c := range cols {
			if c != cols[0] {
				t.Errorf("separators not aligned, columns at %v", cols)
				break
			}
		}
	})
	t.Run("styled cell truncation closes its style", func(t *testing.T) {
		src := "| h |\n|---|\n| **" + strings.Repeat("b", 30) + "** |"
		out := mustRender(t, src, 10)
		// ansi.Truncate keeps the escape sequences after the cut, so bold
		// does not leak into the following lines.
		if strings.Count(out, "\x1b[1m") != strings.Count(out, "\x1b[22m") {
			t.Errorf("unbalanced bold in %q", visible(out))
		}
	})
	t.Run("invalid UTF-8 in a header cell", func(t *testing.T) {
		// Found by FuzzRender: the bold header cell measured wider than its
		// column and the padding went negative.
		if _, err := safeRender("|0\xe6\n-|\n0 |0", 199); err != nil {
			t.Error(err)
		}
	})
	t.Run("header is bold and separator gray", func(t *testing.T) {
		out := mustRender(t, "| a |\n|---|\n| b |", 40)
		lines := strings.Split(out, "\n")
		if lines[0] != Bold("a") {
			t.Errorf("header = %q, want %q", visible(lines[0]), visible(Bold("a")))
		}
		if lines[1] != Fg(Gray, "─") {
			t.Errorf("separator = %q", visible(lines[1]))
		}
	})
}

func TestFitColumns(t *testing.T) {
	tests := []struct {
		widths []int
		total  int
		want   []int
	}{
		{[]int{3, 4}, 10, []int{3, 4}},
		{[]int{10, 2}, 8, []int{6, 2}},
		{[]int{10, 10}, 10, []int{5, 5}},
		{[]int{10, 10}, 2, []int{3, 3}}, // floor: 3 per column on average
		{[]int{1, 1, 1}, -5, []int{1, 1, 1}},
		{[]int{}, 0, []int{}},
	}
	for _, tt := range tests {
		got := append([]int{}, tt.widths...)
		fitColumns(got, tt.total)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("fitColumns(%v, %d) mismatch (-want +got):\n%s", tt.widths, tt.total, diff)
		}
	}
}

// TestStreaming renders every byte prefix of a message, as the TUI does
// while a reply streams in: nothing panics, and the words typed so far are
// all on screen (markup and fence info strings aside).
func TestStreaming(t *testing.T) {
	msg := "# Plan\n\nI'll **update** the `parser` and *then* run ~~nothing~~ tests.\n\n" +
		"- [ ] step one\n- [x] step two\n  - nested detail\n\n" +
		"> quoted **note**\n\n" +
		"| file | change |\n|---|---|\n| a.go | add `x` |\n\n" +
		"```go\nfunc f() int { return 42 } // answer\n```\n\n" +
		"See [docs](https://go.dev) and <https://pkg.go.dev>. 中文 😀 done"
	for n := 0; n <= len(msg); n++ {
		src := msg[:n]
		for _, width := range []int{10, 37, 80} {
			out, err := safeRender(src, width)
			if err != nil {
				t.Fatal(err)
			}
			if err := lettersPreserved(src, out); err != nil {
				t.Fatalf("prefix %d at width %d: %v", n, width, err)
			}
		}
	}
}

// TestUnterminated pins how half-streamed spans read: unclosed markers stay
// as typed and no text goes missing.
func TestUnterminated(t *testing.T) {
	tests := []struct{ src, want string }{
		{"**bold", "**bold"},
		{"__bold", "__bold"},
		{"*it", "*it"},
		{"_it", "_it"},
		{"~~str", "~~str"},
		{"`code", "`code"},
		{"[text", "[text"},
		{"[text](http://exa", "[text](http://exa"},
		{"<https://exa", "<https://exa"},
		{"**bold *and it", "**bold *and it"},
		{"done **bold** then *it", "done bold then *it"},
		{"```go\nfunc main() {\n\tfmt.Println(\"hi", "  func main() {\n      fmt.Println(\"hi"},
		{"```", ""},
		{"~~~py", ""},
		{"> quote **half", "│ quote **half"},
		{"- item `half", "• item `half"},
		{"| a | b |\n| 1 | 2", "| a | b | | 1 | 2"},
	}
	for _, tt := range tests {
		got := strings.Join(plainLines(mustRender(t, tt.src, 80)), "\n")
		if got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestInline(t *testing.T) {
	tests := []struct{ src, want string }{
		{"plain text", "plain text"},
		{"**b**", Bold("b")},
		{"__b__", Bold("b")},
		{"*i*", Italic("i")},
		{"_i_", Italic("i")},
		{"~~s~~", Strike("s")},
		{"`c`", Fg(Cyan, "c")},
		{"`` a ` b ``", Fg(Cyan, "a ` b")},
		{"` `", ""},
		{"**b *i* b**", Bold("b " + Italic("i") + " b")},
		{"**`c`**", Bold(Fg(Cyan, "c"))},
		{"`**not bold**`", Fg(Cyan, "**not bold**")},
		{"snake_case_name", "snake_case_name"},
		{"_a_b", "_a_b"},
		{"2*3*4", "2" + Italic("3") + "4"},
		{"a * b * c", "a * b * c"},
		{"a ** b", "a ** b"},
		{"* x*", "* x*"},
		{"*x *", "*x *"},
		{"[t](https://u)", ansi.SetHyperlink("https://u") + Fg(Blue, Underline("t")) + ansi.ResetHyperlink() + Faint(" (https://u)")},
		{"[https://u](https://u)", Fg(Blue, Underline("https://u"))},
		{"[t]()", Fg(Blue, Underline("t"))},
		{"[**b**](u)", ansi.SetHyperlink("u") + Fg(Blue, Underline(Bold("b"))) + ansi.ResetHyperlink() + Faint(" (u)")},
		{"<https://u>", Fg(Blue, Underline("https://u"))},
		{"<http://u>", Fg(Blue, Underline("http://u"))},
		{"<ftp://u>", "<ftp://u>"},
		{"a < b > c", "a < b > c"},
		{"[not a link]", "[not a link]"},
		{"arr[0] [t]()", "arr[0] " + Fg(Blue, Underline("t"))},
		{"[a [b] c]()", Fg(Blue, Underline("a [b] c"))},
		{"[t](a(b)c)", ansi.SetHyperlink("a(b)c") + Fg(Blue, Underline("t")) + ansi.ResetHyperlink() + Faint(" (a(b)c)")},
		{"[t](a(b)", "[t](a(b)"},
		// An '_' inside a word opens no emphasis (CommonMark); '*' does.
		{"foo_bar_", "foo_bar_"},
		{"see my_var_ here", "see my_var_ here"},
		{"x__init__", "x__init__"},
		{"__init__x", "__init__x"},
		{"é_x_", "é_x_"},
		{"(_i_)", "(" + Italic("i") + ")"},
	}
	for _, tt := range tests {
		if got := Inline(tt.src); got != tt.want {
			t.Errorf("Inline(%q) = %q, want %q", tt.src, visible(got), visible(tt.want))
		}
	}
}

func TestHighlight(t *testing.T) {
	tests := []struct {
		lang, code string
		want       []string
	}{
		{"go", "func f() {}", []string{Fg(Magenta, "func") + " " + Fg(Blue, "f") + "() {}"}},
		{"Go", "return 1", []string{Fg(Magenta, "return") + " " + Fg(Yellow, "1")}},
		{"go title=x.go", "nil", []string{Fg(Magenta, "nil")}},
		{"go", `s := "a\"b" // c`, []string{"s := " + Fg(Green, `"a\"b"`) + " " + Fg(Gray, "// c")}},
		{"go", `"unterminated`, []string{Fg(Green, `"unterminated`)}},
		{"go", `"ends in backslash\`, []string{Fg(Green, `"ends in backslash\`)}},
		{"python", "def f(): # c", []string{Fg(Magenta, "def") + " " + Fg(Blue, "f") + "(): " + Fg(Gray, "# c")}},
		{"sh", "echo $HOME", []string{Fg(Magenta, "echo") + " $HOME"}},
		{"json", `{"a": true, "n": 1.5e3}`, []string{"{" + Fg(Green, `"a"`) + ": " + Fg(Magenta, "true") + ", " + Fg(Green, `"n"`) + ": " + Fg(Yellow, "1.5e3") + "}"}},
		{"", "func", []string{"func"}},
		{"unknown", "func", []string{"func"}},
		{"go", "a\nb", []string{"a", "b"}},
		{"go", "", []string{""}},
		{"go", "中文 := 1", []string{"中文 := " + Fg(Yellow, "1")}},
		{"diff", "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z", []string{
			Bold("--- a"), Bold("+++ b"), Fg(Cyan, "@@ -1 +1 @@"), Fg(Red, "-x"), Fg(Green, "+y"), " z"}},
		{"patch", "+y", []string{Fg(Green, "+y")}},
	}
	for _, tt := range tests {
		got := Highlight(tt.lang, tt.code)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Highlight(%q, %q) mismatch (-want +got):\n%s", tt.lang, tt.code, diff)
		}
		// Highlighting only adds escapes; it never changes the text.
		if p := plain(strings.Join(got, "\n")); p != tt.code {
			t.Errorf("Highlight(%q, %q) changed the text to %q", tt.lang, tt.code, p)
		}
	}
}

func TestSGR(t *testing.T) {
	if got := Fg(Red, ""); got != "" {
		t.Errorf("Fg of empty = %q, want empty", got)
	}
	// Styles use specific off codes, so they nest without a full reset.
	got := Bold("a" + Italic("b") + "c")
	if want := "\x1b[1ma\x1b[3mb\x1b[23mc\x1b[22m"; got != want {
		t.Errorf("nested = %q, want %q", visible(got), visible(want))
	}
	if strings.Contains(Render("# **a** `b` ~~c~~ [d](e) > f", 40), "\x1b[0m") {
		t.Error("output contains a full SGR reset")
	}
}

// TestDeterministic: Render keeps no state between calls.
func TestDeterministic(t *testing.T) {
	src := "```go\nfunc f() {}\n```\n| a |\n|---|\n| b |\n- x\n> y"
	first := Render(src, 30)
	for range 3 {
		Render("# other\n```py\nx = 1", 50)
		if got := Render(src, 30); got != first {
			t.Fatalf("second render differs:\n%q\n%q", first, got)
		}
	}
}

// TestDeepQuoteNarrowWidth: each quote level takes two columns, but however
// deep the nesting the width inside stays positive, so a rule, table or
// code block at the bottom renders instead of panicking.
func TestDeepQuoteNarrowWidth(t *testing.T) {
	for _, tc := range []struct {
		src   string
		width int
	}{
		{"> > > > > > ---", 10},
		{">>>>>>***", 10},
		{strings.Repeat("> ", 41) + "___", 80},
		{strings.Repeat("> ", 20) + "```\n" + strings.Repeat("> ", 20) + "code", 10},
		{strings.Repeat("> ", 20) + "| a | b |\n" + strings.Repeat("> ", 20) + "|---|---|", 10},
	} {
		if _, err := safeRender(tc.src, tc.width); err != nil {
			t.Error(err)
		}
	}
}

// TestHeadingClosingSequence: only a closing run of '#'s preceded by a space
// (or making up the whole text) is stripped, so "C#" keeps its '#'.
func TestHeadingClosingSequence(t *testing.T) {
	for src, want := range map[string]string{
		"# Learn C#":         "Learn C#",
		"## Why F# ##":       "Why F#",
		"### Issue #":        "Issue",
		"## Use the # key #": "Use the # key",
		"# Title ##":         "Title",
		"# #":                "",
		"#":                  "",
	} {
		if got := plain(mustRender(t, src, 40)); got != want {
			t.Errorf("Render(%q) = %q, want %q", src, got, want)
		}
	}
}

// TestFenceClosingRules: a fence is closed only by a line holding nothing
// but a run of the same character at least as long as the opening run
// (CommonMark), so a ````markdown block can show ``` blocks.
func TestFenceClosingRules(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"````markdown\n```go\nfmt.Println()\n```\n````\nafter",
			[]string{"  ```go", "  fmt.Println()", "  ```", "", "after"}},
		{"```\n```python\n```", []string{"  ```python"}},
		{"```\nx\n````\nafter", []string{"  x", "", "after"}},
		{"~~~~\n~~~\n~~~~~  \nafter", []string{"  ~~~", "", "after"}},
	} {
		if diff := cmp.Diff(tc.want, plainLines(mustRender(t, tc.src, 40))); diff != "" {
			t.Errorf("Render(%q) mismatch (-want +got):\n%s", tc.src, diff)
		}
	}
}

// TestLinkURLWithParentheses: the URL runs to the ')' that balances its '(',
// so Wikipedia-style URLs make a correct OSC 8 target.
func TestLinkURLWithParentheses(t *testing.T) {
	url := "https://en.wikipedia.org/wiki/Go_(programming_language)"
	out := mustRender(t, "[Go]("+url+") is nice", 100)
	if !strings.Contains(out, ansi.SetHyperlink(url)) {
		t.Errorf("OSC 8 target is not %q in %q", url, visible(out))
	}
	if got, want := plain(out), "Go ("+url+") is nice"; got != want {
		t.Errorf("plain = %q, want %q", got, want)
	}
}

// TestLinkTextStartsAtMatchingBracket: link text starts at the '[' whose
// matching ']' is followed by '(', not at an earlier bracket.
func TestLinkTextStartsAtMatchingBracket(t *testing.T) {
	out := mustRender(t, "Use arr[0] and see [the docs](https://go.dev).", 80)
	if got, want := plain(out), "Use arr[0] and see the docs (https://go.dev)."; got != want {
		t.Errorf("plain = %q, want %q", got, want)
	}
	if want := Fg(Blue, Underline("the docs")); !strings.Contains(out, want) {
		t.Errorf("link text is not exactly %q: %q", visible(want), visible(out))
	}
}

// TestHardBreakAtParagraphEnd: a hard break on a paragraph's last line is
// ignored (no extra empty line), and a trailing backslash there is literal.
func TestHardBreakAtParagraphEnd(t *testing.T) {
	for src, want := range map[string][]string{
		"one  \n\nnext":          {"one", "", "next"},
		"one\ntwo  \n\n- item":   {"one two", "", "• item"},
		"The path is C:\\\n\nok": {"The path is C:\\", "", "ok"},
		"The path is C:\\":       {"The path is C:\\"},
		"a\\\nb\\":               {"a", "b\\"},
	} {
		if diff := cmp.Diff(want, plainLines(mustRender(t, src, 40))); diff != "" {
			t.Errorf("Render(%q) mismatch (-want +got):\n%s", src, diff)
		}
	}
}

// TestTableClippedToWidth: a table with more columns than fit even at the
// narrowest column widths has its rows clipped to the width with "…".
func TestTableClippedToWidth(t *testing.T) {
	src := "| a | b | c | d | e | f | g | h |\n|---|---|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 |"
	for _, width := range []int{10, 20, 28} {
		if bad := overWide(mustRender(t, src, width), width); len(bad) > 0 {
			t.Errorf("width %d: lines too wide:\n%s", width, strings.Join(bad, "\n"))
		}
	}
	want := []string{"a │ b │ c │ d │ e │…", "──┼───┼───┼───┼───┼─", "1 │ 2 │ 3 │ 4 │ 5 │…"}
	if diff := cmp.Diff(want, plainLines(mustRender(t, src, 20))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestCodeBlockInListItem: a fenced block indented under a list item (also
// after a blank line) is rendered as a code block under the item's text,
// without its fence indentation, and indented text after it stays in the
// item.
func TestCodeBlockInListItem(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"1. Build:\n   ```sh\n   make\n   make test\n   ```\n2. Done",
			[]string{"1. Build:", "     make", "     make test", "2. Done"}},
		{"- a\n\n  ```\n  x\n    y\n  ```\n  more text\n\n- b",
			[]string{"• a", "    x", "      y", "  more text", "• b"}},
		{"- a\n  ```go\n  x := 1", []string{"• a", "    x := 1"}},
	} {
		if diff := cmp.Diff(tc.want, plainLines(mustRender(t, tc.src, 40))); diff != "" {
			t.Errorf("Render(%q) mismatch (-want +got):\n%s", tc.src, diff)
		}
	}
}

// TestTableAfterParagraphLine: a table right after a line of text (no blank
// line) starts a table, as in GFM.
func TestTableAfterParagraphLine(t *testing.T) {
	src := "Summary:\n| a | b |\n|---|---|\n| 1 | 2 |"
	want := []string{"Summary:", "", "a │ b", "──┼──", "1 │ 2"}
	if diff := cmp.Diff(want, plainLines(mustRender(t, src, 40))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
