package markdown

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRender: for any input and any width 1..200, Render
//
//   - does not panic,
//   - returns no trailing newline and the same result twice,
//   - returns valid UTF-8 for valid UTF-8 input,
//   - keeps the text: see lettersPreserved.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"", "\n", "# h", "#", "## a ##", "- a\n  - b\n    1. c", "- [ ] t\n- [x] d",
		"> q\n> > r", "```go\nfunc f() {}\n```", "~~~\nx", "```", "| a | b |\n|---|---|\n| 1 | 2 |",
		"**b** *i* _i_ ~~s~~ `c` [t](u) <https://x>", "**unterminated", "`unterminated", "[t](unterminated",
		"a  \nb\\\nc", "***", "中文 😀 👨‍👩‍👧 🇯🇵", "\t- tab", "1) x\n2. y", "a\r\nb",
		"| 名前 | 説明 |\n|---|---|\n| 東京 | 日本の首都です |",
	}
	for i, s := range seeds {
		f.Add(s, i*17%200+1)
	}
	f.Fuzz(func(t *testing.T, src string, width int) {
		if width < 0 {
			width = -(width + 1)
		}
		width = width%200 + 1
		out, err := safeRender(src, width)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(out, "\n") {
			t.Errorf("output ends in a newline: %q", out)
		}
		if again := Render(src, width); again != out {
			t.Errorf("not deterministic:\n%q\n%q", out, again)
		}
		if utf8.ValidString(src) && !utf8.ValidString(out) {
			t.Errorf("invalid UTF-8 output for valid input: %q", out)
		}
		if err := lettersPreserved(src, out); err != nil {
			t.Errorf("Render(%q, %d): %v", src, width, err)
		}
	})
}

// droppedByDesign matches the parts of a source line whose letters the
// renderer may legitimately not show:
//   - a link's URL, which is not repeated when it equals the link text (it
//     runs to the balancing ')', so it may hold nested parentheses; two
//     levels are matched here, with the first ')' as a fallback);
//   - the x of a checked task marker "[x] ".
var droppedByDesign = regexp.MustCompile(
	`\]\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|\]\([^)]*\)|\[[xX]\]`)

// lettersPreserved is the text-preservation property: the letters and digits
// of src, in order, are a subsequence of the letters and digits of the plain
// (escape-stripped) output. Markup (#, >, *, _, `, ~, |, [, ], bullets)
// consists of neither, wrapping only moves letters between lines, and the
// renderer only adds letters (a link's URL in parentheses), so this holds
// for everything except the letters the renderer drops on purpose, which
// are left out of the expectation:
//   - lines that may be fence lines (the info string and the closing fence
//     line are not shown): any line containing ``` or ~~~;
//   - lines that may be table rows (cells are truncated to fit): any line
//     containing |;
//   - droppedByDesign.
//
// Inputs with control characters (other than tab and newline) or invalid
// UTF-8 are not checked: they are passed through, and the terminal-escape
// parser used for stripping and wrapping treats them as (parts of) escape
// sequences.
func lettersPreserved(src, out string) error {
	if !utf8.ValidString(src) {
		return nil
	}
	for _, r := range src {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == utf8.RuneError) {
			return nil
		}
	}
	var want []rune
	for _, line := range strings.Split(src, "\n") {
		if strings.Contains(line, "```") || strings.Contains(line, "~~~") || strings.Contains(line, "|") {
			continue
		}
		line = droppedByDesign.ReplaceAllString(line, "")
		want = appendLetters(want, line)
	}
	got := appendLetters(nil, plain(out))
	i := 0
	for _, r := range got {
		if i < len(want) && r == want[i] {
			i++
		}
	}
	if i < len(want) {
		return fmt.Errorf("text lost: input letters %q, output letters %q; first missing %q at %d",
			string(want), string(got), string(want[i]), i)
	}
	return nil
}

func appendLetters(dst []rune, s string) []rune {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			dst = append(dst, r)
		}
	}
	return dst
}

func TestLettersPreservedHelper(t *testing.T) {
	if err := lettersPreserved("hello world", "hello\nworld"); err != nil {
		t.Error(err)
	}
	if err := lettersPreserved("hello world", "hello"); err == nil {
		t.Error("missing word not reported")
	}
	if err := lettersPreserved("ab", "ba"); err == nil {
		t.Error("reordering not reported")
	}
	if err := lettersPreserved("```go\nx\n```", "  x"); err != nil {
		t.Error(err)
	}
}
