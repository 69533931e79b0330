package prompts

import (
	"errors"
	"fmt"
	"strings"
)

// MissingArgsError is a prompt with named placeholders invoked without some
// of them.
type MissingArgsError struct {
	Command string   // "/name"
	Missing []string // in the order they appear in the prompt
}

func (e *MissingArgsError) Error() string {
	return fmt.Sprintf("missing required arguments for %s: %s (give them as NAME=value; quote values with spaces)",
		e.Command, strings.Join(e.Missing, ", "))
}

// ArgsError is an argument list that does not parse.
type ArgsError struct {
	Command string
	Reason  string
}

func (e *ArgsError) Error() string {
	return fmt.Sprintf("could not parse the arguments of %s: %s", e.Command, e.Reason)
}

// Names returns the named placeholders of the prompt ($NAME, not
// $ARGUMENTS, not after $$), without the $, in order of first appearance.
func (p Prompt) Names() []string {
	var names []string
	scan(p.Body, func(tok string, named bool) string {
		if named && tok != "$ARGUMENTS" {
			if n := tok[1:]; !contains(names, n) {
				names = append(names, n)
			}
		}
		return tok
	})
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Expand fills the prompt's placeholders from args, the text typed after
// the command name. A prompt with named placeholders takes NAME=value
// arguments and requires all of them ([*MissingArgsError]); any other
// takes positional arguments for $1…$9 and $ARGUMENTS.
func (p Prompt) Expand(args string) (string, error) {
	cmd := "/" + p.Name
	words, err := Split(args)
	if err != nil {
		return "", &ArgsError{Command: cmd, Reason: err.Error()}
	}
	if names := p.Names(); len(names) > 0 {
		values := map[string]string{}
		for _, w := range words {
			k, v, ok := strings.Cut(w, "=")
			switch {
			case !ok:
				return "", &ArgsError{Command: cmd, Reason: fmt.Sprintf("expected NAME=value but found %q; quote values with spaces", w)}
			case k == "":
				return "", &ArgsError{Command: cmd, Reason: fmt.Sprintf("expected a name before '=' in %q", w)}
			}
			values[k] = v
		}
		var missing []string
		for _, n := range names {
			if _, ok := values[n]; !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return "", &MissingArgsError{Command: cmd, Missing: missing}
		}
		return scan(p.Body, func(tok string, named bool) string {
			if v, ok := values[tok[1:]]; named && ok {
				return v
			}
			return tok
		}), nil
	}
	return scan(p.Body, func(tok string, named bool) string {
		switch {
		case tok == "$ARGUMENTS":
			return strings.Join(words, " ")
		case !named && len(tok) == 2 && tok[1] >= '1' && tok[1] <= '9':
			if i := int(tok[1] - '1'); i < len(words) {
				return words[i]
			}
			return ""
		}
		return tok
	}), nil
}

// scan copies s, passing each placeholder-like token to repl: "$$", "$1"…"$9"
// (named false) and "$NAME" (named true). "$$" is never expanded and hides
// the name after it.
func scan(s string, repl func(tok string, named bool) string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		c := s[i+1]
		switch {
		case c == '$':
			// $$ stays, and so does a name right after it.
			j := i + 2
			if j < len(s) && isUpper(s[j]) {
				j = nameEnd(s, j)
			}
			b.WriteString(s[i:j])
			i = j
		case c >= '1' && c <= '9':
			b.WriteString(repl(s[i:i+2], false))
			i += 2
		case isUpper(c):
			j := nameEnd(s, i+1)
			b.WriteString(repl(s[i:j], true))
			i = j
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String()
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func nameEnd(s string, i int) int {
	for i < len(s) && (isUpper(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		i++
	}
	return i
}

// Split splits s into words as a POSIX shell does, without expansions:
// blanks separate words, 'single' quotes are literal, "double" quotes
// keep \", \\, \$ and \` escapes, and a backslash outside quotes escapes
// the next character.
func Split(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		case '\\':
			in = true
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			}
		case '\'':
			in = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '"':
			in = true
			closed := false
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					closed = true
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				cur.WriteByte(s[i])
			}
			if !closed {
				return nil, errors.New("unterminated double quote")
			}
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
