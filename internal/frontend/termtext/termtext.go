// Package termtext makes untrusted text (a command the model wants to run,
// a path, a justification) safe and honest to draw on a terminal: nothing in
// it can reach the terminal as a control, and nothing in it is invisible.
//
// Every character a terminal would interpret, or would not draw, is replaced
// by a visible escape in the notation of bash's $'…' quoting, so what the user
// reads is what runs:
//
//   - ESC, CR, BS, BEL, FF and VT become \e, \r, \b, \a, \f and \v; the other
//     C0 controls and DEL become \xNN (NUL is \x00, DEL \x7f). A newline stays
//     a line break in [Text] and becomes \n in [Line]. A tab becomes
//     [TabWidth] spaces.
//   - A byte that is not valid UTF-8 becomes \xNN (a raw 0x9b is CSI to some
//     terminals).
//   - C1 controls (U+0080–U+009F) and invisible or layout-changing code points
//     become \uNNNN (\UNNNNNNNN above U+FFFF): format characters (category Cf:
//     bidi embeddings, overrides and isolates U+202A–202E and U+2066–2069,
//     the marks U+200E/F and U+061C, zero-width space U+200B, word joiner,
//     BOM, soft hyphen, tag characters U+E0000–E007F, …), line and paragraph
//     separators, every space other than U+0020 (a no-break space looks like
//     a word break and is not one), the other default-ignorable code points
//     (Hangul fillers, Mongolian variation selectors, …) and code points
//     Unicode (as of the Go release's tables) has not assigned.
//
// Two exceptions keep emoji legible. A zero-width joiner (U+200D) stays when
// it joins two emoji (👨‍👩‍👧), that is when the character before it is a
// pictograph, an emoji modifier or VS16 and the character after it is a
// pictograph; anywhere else, including between letters, it is shown as
// \u200d, because it can make two different strings look the same. Variation
// selectors VS15 and VS16 (U+FE0E, U+FE0F) stay right after a visible
// character (❤️); every other variation selector, and a second one in a row,
// is escaped, since runs of them can smuggle invisible data. Pictographs are
// approximated by the blocks U+2300–23FF, U+2600–27BF, U+2B00–2BFF and
// U+1F000–1FAFF.
//
// The escapes are ASCII and read back the same in bash's $'…'. A literal
// backslash in the text is left as it is, so a frontend that can style text
// uses [Marked] to draw the escapes apart from it (the TUI uses reverse
// video).
//
// A command's output is different: its colours and progress bars are
// ordinary, so [Output] drops escape sequences and resolves carriage-return
// overprinting the way a terminal would show the result, then escapes what
// is left. A command's text never gets that treatment: an escape sequence in
// a command is shown, never interpreted.
//
// The package is shared by the frontends and knows nothing of them.
package termtext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// TabWidth is how many spaces a tab becomes.
const TabWidth = 4

// Text makes s safe to draw as one or more lines: newlines stay line breaks
// and everything else a terminal would interpret or hide is escaped.
func Text(s string) string { return sanitize(s, false, nil) }

// Line makes s safe to draw on one line: like [Text], but a newline is shown
// as \n too.
func Line(s string) string { return sanitize(s, true, nil) }

// Marked is [Text] (or [Line] when oneLine is set) with every escape it
// inserts passed through mark, so a frontend can style escapes apart from
// the literal text around them. mark must not return control characters
// other than its own styling.
func Marked(s string, oneLine bool, mark func(escape string) string) string {
	return sanitize(s, oneLine, mark)
}

// Output makes a command's output safe to draw: invalid UTF-8 becomes
// U+FFFD, escape sequences (colours, cursor moves, OSC) are dropped, and of
// a line overprinted with carriage returns only what a terminal would show
// at the end is kept; then it is [Text].
func Output(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = ansi.Strip(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if strings.ContainsRune(s, '\r') {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if j := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); j >= 0 {
				lines[i] = l[j+1:]
			}
		}
		s = strings.Join(lines, "\n")
	}
	return Text(s)
}

func sanitize(s string, oneLine bool, mark func(string) string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune = -1
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := s[i+size:]
		esc := escape(r, size, s[i], prev, next, oneLine)
		switch {
		case r == '\t':
			b.WriteString(strings.Repeat(" ", TabWidth))
		case esc != "":
			if mark != nil {
				esc = mark(esc)
			}
			b.WriteString(esc)
		default:
			b.WriteString(s[i : i+size])
		}
		prev = r
		if esc != "" {
			prev = -1 // an escaped rune is no visible base for what follows
		}
		i += size
	}
	return b.String()
}

// escape returns the escape for the rune r (size bytes, first byte b0) or ""
// when it is drawn as it is.
func escape(r rune, size int, b0 byte, prev rune, next string, oneLine bool) string {
	switch {
	case r == utf8.RuneError && size == 1:
		return fmt.Sprintf(`\x%02x`, b0)
	case r == '\n':
		if oneLine {
			return `\n`
		}
		return ""
	case r == '\t':
		return ""
	case r < 0x20 || r == 0x7f:
		if e := named(r); e != "" {
			return e
		}
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x7f:
		return ""
	case r == 0x200d && joinsEmoji(prev, next):
		return ""
	case (r == 0xfe0e || r == 0xfe0f) && visibleBase(prev):
		return ""
	case hidden(r):
		if r > 0xffff {
			return fmt.Sprintf(`\U%08x`, r)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}
	return ""
}

// named returns the escape of a control that has a name, or "".
func named(r rune) string {
	switch r {
	case 0x07:
		return `\a`
	case 0x08:
		return `\b`
	case 0x0b:
		return `\v`
	case 0x0c:
		return `\f`
	case 0x0d:
		return `\r`
	case 0x1b:
		return `\e`
	}
	return ""
}

// hidden reports whether a non-ASCII code point is a control, invisible, or
// changes how the text around it is laid out.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1
		return true
	case r == ' ':
		return false
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Zs,
		unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Noncharacter_Code_Point):
		return true
	}
	return !assigned(r)
}

// assigned reports whether Unicode assigns r (private use counts: it is
// drawn, as an icon or a box).
func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C)
}

// joinsEmoji reports whether a zero-width joiner between prev and the start
// of next is part of an emoji ZWJ sequence.
func joinsEmoji(prev rune, next string) bool {
	n, _ := utf8.DecodeRuneInString(next)
	return (pictograph(prev) || prev == 0xfe0f || prev >= 0x1f3fb && prev <= 0x1f3ff) && pictograph(n)
}

func pictograph(r rune) bool {
	return r >= 0x2300 && r <= 0x23ff || r >= 0x2600 && r <= 0x27bf || r >= 0x2b00 && r <= 0x2bff ||
		r >= 0x1f000 && r <= 0x1faff
}

// visibleBase reports whether a variation selector after prev selects a
// glyph of a visible character.
func visibleBase(prev rune) bool {
	return prev > ' ' && prev != 0x7f && !hidden(prev)
}
