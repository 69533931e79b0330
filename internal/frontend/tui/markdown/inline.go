package markdown

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Inline renders inline Markdown: `code`, **bold**, *italic* / _italic_,
// ~~strike~~, [text](url) and <url>. Unclosed markers are left as typed, so a
// half-streamed span reads naturally.
func Inline(s string) string {
	if !strings.ContainsAny(s, "`*_~[<") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		// An '_' inside a word (snake_case, x__init__) opens nothing.
		if s[i] == '_' && i > 0 && isWordRune(lastRune(s[:i])) {
			b.WriteByte(s[i])
			i++
			continue
		}
		if n, out := inlineSpan(s[i:]); n > 0 {
			b.WriteString(out)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// inlineSpan tries to parse one span at the start of s, returning the bytes
// consumed (0 if none) and the rendering.
func inlineSpan(s string) (int, string) {
	switch s[0] {
	case '`':
		n := 1
		for n < len(s) && s[n] == '`' {
			n++
		}
		delim := s[:n]
		end := strings.Index(s[n:], delim)
		if end < 0 {
			return 0, ""
		}
		code := strings.TrimSpace(s[n : n+end])
		return 2*n + end, Fg(Cyan, code)
	case '*', '_':
		if len(s) > 2 && s[1] == s[0] {
			if n, inner, ok := delimited(s, s[:2]); ok && (s[0] == '*' || wordBoundary(s, n)) {
				return n, Bold(Inline(inner))
			}
		}
		if n, inner, ok := delimited(s, s[:1]); ok && (s[0] == '*' || wordBoundary(s, n)) {
			return n, Italic(Inline(inner))
		}
	case '~':
		if n, inner, ok := delimited(s, "~~"); ok {
			return n, Strike(Inline(inner))
		}
	case '[':
		return link(s)
	case '<':
		end := strings.IndexByte(s, '>')
		if end > 1 && (strings.HasPrefix(s, "<http://") || strings.HasPrefix(s, "<https://")) {
			return end + 1, Fg(Blue, Underline(s[1:end]))
		}
	}
	return 0, ""
}

// delimited parses delim inner delim at the start of s. The inner text must
// not start or end with a space.
func delimited(s, delim string) (int, string, bool) {
	if !strings.HasPrefix(s, delim) || len(s) <= 2*len(delim) {
		return 0, "", false
	}
	rest := s[len(delim):]
	if rest[0] == ' ' {
		return 0, "", false
	}
	end := strings.Index(rest, delim)
	if end <= 0 || rest[end-1] == ' ' {
		return 0, "", false
	}
	return 2*len(delim) + end, rest[:end], true
}

// wordBoundary reports whether the character after an underscore span is not
// a word character (so snake_case_names stay as they are).
func wordBoundary(s string, n int) bool {
	if n >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[n:])
	return !isWordRune(r)
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// link parses [text](url) at the start of s. The text runs to the ']' that
// balances the '[', which must be followed by '('; the URL runs to the ')'
// that balances that '(' (so it may contain balanced parentheses).
func link(s string) (int, string) {
	closeText := matching(s, '[', ']')
	if closeText < 0 || closeText+1 >= len(s) || s[closeText+1] != '(' {
		return 0, ""
	}
	closeURL := matching(s[closeText+1:], '(', ')')
	if closeURL < 0 {
		return 0, ""
	}
	text := s[1:closeText]
	url := s[closeText+2 : closeText+1+closeURL]
	n := closeText + closeURL + 2
	styled := Fg(Blue, Underline(Inline(text)))
	if url == "" || url == text {
		return n, styled
	}
	// OSC 8 hyperlink plus the URL in plain text so it survives copying.
	return n, ansi.SetHyperlink(url) + styled + ansi.ResetHyperlink() + Faint(" ("+url+")")
}

// matching returns the index of the close byte that balances the open byte
// at s[0], or -1 if there is none before the end of s or a newline.
func matching(s string, open, close byte) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			if depth--; depth == 0 {
				return i
			}
		case '\n':
			return -1
		}
	}
	return -1
}
