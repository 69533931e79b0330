package approval

import (
	"errors"
	"fmt"
	"strings"
)

// ScriptCommand is one simple command of a parsed script, with the operator
// that joins it to the previous one ("" for the first, else "|", "&&", "||"
// or ";").
type ScriptCommand struct {
	Op   string   `json:"op,omitempty"`
	Argv []string `json:"argv"`
}

// ErrUnsupportedScript is returned (wrapped) by ParseScript for anything
// outside the subset it understands.
var ErrUnsupportedScript = errors.New("unsupported shell syntax")

// ParseScript parses the small shell subset known-safe scripts may use:
// simple commands of plain, 'single-quoted' and "double-quoted" words, joined
// by |, &&, || and ; (or newlines). Anything that could run or write
// something not visible in the words is rejected: redirections, background
// &, subshells and groups, command and parameter substitution ($, `),
// escapes, globs (* ? [), brace and tilde expansion, comments, history (!),
// assignments and keywords are all ErrUnsupportedScript. A trailing ; is allowed.
func ParseScript(script string) ([]ScriptCommand, error) {
	p := scriptParser{src: script}
	return p.parse()
}

type scriptParser struct {
	src string
	i   int
}

// reserved are shell keywords; a command starting with one (quoted or not)
// is rejected, so quoting cannot make two different scripts look alike.
func reserved(w string) bool {
	switch w {
	case "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
		"done", "in", "function", "time", "coproc", "{", "}", "[[", "]]", "!":
		return true
	}
	return false
}

func (p *scriptParser) fail(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrUnsupportedScript, p.i, fmt.Sprintf(format, args...))
}

func (p *scriptParser) parse() ([]ScriptCommand, error) {
	var (
		cmds []ScriptCommand
		cur  = ScriptCommand{}
	)
	flush := func(nextOp string) error {
		if len(cur.Argv) == 0 {
			if nextOp == ";" && len(cmds) > 0 && p.atEnd() {
				return nil // trailing ;
			}
			return p.fail("missing command before %q", nextOp)
		}
		cmds = append(cmds, cur)
		cur = ScriptCommand{Op: nextOp}
		return nil
	}
	for {
		p.skipBlanks()
		if p.i >= len(p.src) {
			break
		}
		if op, n := p.operator(); n > 0 {
			p.i += n
			p.skipBlanks()
			if err := flush(op); err != nil {
				return nil, err
			}
			continue
		}
		w, err := p.word()
		if err != nil {
			return nil, err
		}
		if len(cur.Argv) == 0 && (strings.Contains(w, "=") || reserved(w)) {
			return nil, p.fail("assignment or keyword %q in command position", w)
		}
		cur.Argv = append(cur.Argv, w)
	}
	if len(cur.Argv) == 0 {
		if cur.Op == "" && len(cmds) == 0 {
			return nil, p.fail("empty script")
		}
		if cur.Op != ";" {
			return nil, p.fail("missing command after %q", cur.Op)
		}
		return cmds, nil
	}
	return append(cmds, cur), nil
}

func (p *scriptParser) atEnd() bool {
	rest := strings.TrimLeft(p.src[p.i:], " \t\n")
	return rest == ""
}

func (p *scriptParser) skipBlanks() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t') {
		p.i++
	}
}

// operator recognizes a command separator at p.i and its length.
func (p *scriptParser) operator() (string, int) {
	rest := p.src[p.i:]
	switch {
	case strings.HasPrefix(rest, "&&"):
		return "&&", 2
	case strings.HasPrefix(rest, "||"):
		return "||", 2
	case strings.HasPrefix(rest, "|&"):
		return "", 0 // rejected by word()
	case rest[0] == '|':
		return "|", 1
	case rest[0] == ';' && !strings.HasPrefix(rest, ";;"):
		return ";", 1
	case rest[0] == '\n':
		return ";", 1
	}
	return "", 0
}

// word reads one word, concatenating adjacent quoted and unquoted parts.
func (p *scriptParser) word() (string, error) {
	var b strings.Builder
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == ';' || (c == '|' && !strings.HasPrefix(p.src[p.i:], "|&")) || strings.HasPrefix(p.src[p.i:], "&&"):
			if p.i == start {
				return "", p.fail("%q", c) // e.g. ";;"
			}
			return b.String(), nil
		case c == '\'':
			end := strings.IndexByte(p.src[p.i+1:], '\'')
			if end < 0 {
				return "", p.fail("unterminated single quote")
			}
			b.WriteString(p.src[p.i+1 : p.i+1+end])
			p.i += end + 2
		case c == '"':
			s, err := p.doubleQuoted()
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case isPlain(c):
			b.WriteByte(c)
			p.i++
		case c == '#' && p.i > start:
			b.WriteByte(c) // '#' inside a word is literal
			p.i++
		default:
			return "", p.fail("%q", c)
		}
	}
	return b.String(), nil
}

// doubleQuoted reads "..." at p.i. Only \" and \\ escapes are allowed inside;
// $ and ` (expansions) are rejected.
func (p *scriptParser) doubleQuoted() (string, error) {
	var b strings.Builder
	p.i++ // opening quote
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), nil
		case '$', '`':
			return "", p.fail("%q inside double quotes", c)
		case '\\':
			if p.i+1 < len(p.src) && (p.src[p.i+1] == '"' || p.src[p.i+1] == '\\') {
				b.WriteByte(p.src[p.i+1])
				p.i += 2
				continue
			}
			return "", p.fail("backslash escape inside double quotes")
		case '!':
			return "", p.fail("%q inside double quotes", c)
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.fail("unterminated double quote")
}

// isPlain reports whether c may appear unquoted in a word without any
// expansion or special meaning. Bytes >= 0x80 (UTF-8) are plain.
func isPlain(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("-_./:,=+@%^", c) >= 0
}
