package patch

import (
	"fmt"
	"strings"
)

// Markers of the patch format.
const (
	beginMarker  = "*** Begin Patch"
	endMarker    = "*** End Patch"
	addMarker    = "*** Add File:"
	deleteMarker = "*** Delete File:"
	updateMarker = "*** Update File:"
	moveMarker   = "*** Move to:"
	eofMarker    = "*** End of File"
)

// ParseError is a patch that does not follow the grammar. Line is 1-based
// in the patch text (0 when the error is about the patch as a whole).
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return "invalid patch: " + e.Msg
	}
	return fmt.Sprintf("invalid hunk at line %d: %s", e.Line, e.Msg)
}

// Parse parses a patch. It accepts what Codex accepts: markers padded with
// whitespace, CRLF line endings and a heredoc wrapper around the patch.
func Parse(text string) (*Patch, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	body, first, err := patchBody(lines)
	if err != nil {
		return nil, err
	}
	p := &Patch{}
	ps := parser{lines: body, first: first}
	for ps.i < len(ps.lines) {
		if strings.TrimSpace(ps.lines[ps.i]) == "" {
			ps.i++
			continue
		}
		h, err := ps.hunk()
		if err != nil {
			return nil, err
		}
		p.Hunks = append(p.Hunks, h)
	}
	if len(p.Hunks) == 0 {
		return nil, &ParseError{Msg: "the patch has no hunks (want *** Add File:, *** Delete File: or *** Update File:)"}
	}
	return p, nil
}

// patchBody checks the Begin/End markers, stripping a heredoc wrapper if
// needed, and returns the lines between them and the line number of the
// first of them.
func patchBody(lines []string) ([]string, int, error) {
	err := checkBoundaries(lines)
	if err == nil {
		return lines[1 : len(lines)-1], 2, nil
	}
	if len(lines) >= 4 {
		if delim, ok := heredocOpener(strings.TrimSpace(lines[0])); ok &&
			strings.TrimSpace(lines[len(lines)-1]) == delim {
			inner := lines[1 : len(lines)-1]
			if checkBoundaries(inner) == nil {
				return inner[1 : len(inner)-1], 3, nil
			}
		}
	}
	return nil, 0, err
}

func checkBoundaries(lines []string) error {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != beginMarker {
		return &ParseError{Msg: "the first line of the patch must be '" + beginMarker + "'"}
	}
	if len(lines) < 2 || strings.TrimSpace(lines[len(lines)-1]) != endMarker {
		return &ParseError{Msg: "the last line of the patch must be '" + endMarker + "'"}
	}
	return nil
}

// heredocOpener recognises "<<EOF", "<<'EOF'", `<<"EOF"` (any delimiter
// word) and returns the delimiter.
func heredocOpener(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "<<")
	if !ok {
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t")
	if len(rest) >= 2 && (rest[0] == '\'' || rest[0] == '"') && rest[len(rest)-1] == rest[0] {
		rest = rest[1 : len(rest)-1]
	}
	if !isWord(rest) {
		return "", false
	}
	return rest, true
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

type parser struct {
	lines []string
	i     int // next line
	first int // line number of lines[0]
}

func (ps *parser) lineNo() int { return ps.first + ps.i }

func (ps *parser) errorf(format string, args ...any) error {
	return &ParseError{Line: ps.lineNo(), Msg: fmt.Sprintf(format, args...)}
}

// markerArg returns the argument of marker on line (whitespace trimmed).
func markerArg(line, marker string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), marker)
	if !ok {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (ps *parser) hunk() (Hunk, error) {
	line := ps.lines[ps.i]
	if path, ok := markerArg(line, addMarker); ok {
		return ps.addHunk(path)
	}
	if path, ok := markerArg(line, deleteMarker); ok {
		if path == "" {
			return Hunk{}, ps.errorf("missing path after %q", deleteMarker)
		}
		ps.i++
		return Hunk{Kind: Delete, Path: path}, nil
	}
	if path, ok := markerArg(line, updateMarker); ok {
		return ps.updateHunk(path)
	}
	return Hunk{}, ps.errorf("'%s' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'",
		strings.TrimSpace(line))
}

func (ps *parser) addHunk(path string) (Hunk, error) {
	if path == "" {
		return Hunk{}, ps.errorf("missing path after %q", addMarker)
	}
	ps.i++
	var b strings.Builder
	for ps.i < len(ps.lines) {
		rest, ok := strings.CutPrefix(ps.lines[ps.i], "+")
		if !ok {
			break
		}
		b.WriteString(rest)
		b.WriteByte('\n')
		ps.i++
	}
	return Hunk{Kind: Add, Path: path, Contents: b.String()}, nil
}

func (ps *parser) updateHunk(path string) (Hunk, error) {
	if path == "" {
		return Hunk{}, ps.errorf("missing path after %q", updateMarker)
	}
	start := ps.lineNo()
	ps.i++
	h := Hunk{Kind: Update, Path: path}
	if ps.i < len(ps.lines) {
		if mv, ok := markerArg(ps.lines[ps.i], moveMarker); ok {
			if mv == "" {
				return Hunk{}, ps.errorf("missing path after %q", moveMarker)
			}
			h.MovePath = mv
			ps.i++
		}
	}
	for ps.i < len(ps.lines) {
		line := ps.lines[ps.i]
		if strings.TrimSpace(line) == "" {
			ps.i++ // blank lines between chunks
			continue
		}
		if endsUpdate(line) {
			break
		}
		c, err := ps.chunk(len(h.Chunks) == 0)
		if err != nil {
			return Hunk{}, err
		}
		h.Chunks = append(h.Chunks, c)
	}
	if len(h.Chunks) == 0 {
		return Hunk{}, &ParseError{Line: start, Msg: fmt.Sprintf("update file hunk for path '%s' is empty", path)}
	}
	return h, nil
}

// endsUpdate reports whether line starts the next hunk or ends the patch.
func endsUpdate(line string) bool {
	if strings.HasPrefix(line, "*") {
		return true
	}
	t := strings.TrimSpace(line)
	for _, m := range []string{addMarker, deleteMarker, updateMarker, endMarker} {
		if strings.HasPrefix(t, m) {
			return true
		}
	}
	return false
}

// chunk parses one "@@" section. The first chunk of an update may start
// directly with diff lines.
func (ps *parser) chunk(first bool) (Chunk, error) {
	var c Chunk
	line := ps.lines[ps.i]
	switch {
	case strings.TrimRight(line, " \t") == "@@":
		ps.i++
	case strings.HasPrefix(line, "@@ "):
		c.Context = strings.TrimRight(line[3:], " \t")
		ps.i++
	case !first:
		return c, ps.errorf("expected update hunk to start with a @@ context marker, got: '%s'", line)
	}
	n := 0
	for ; ps.i < len(ps.lines); ps.i++ {
		line := ps.lines[ps.i]
		if strings.TrimSpace(line) == eofMarker {
			if n == 0 {
				return c, ps.errorf("update hunk does not contain any lines")
			}
			c.EOF = true
			ps.i++
			break
		}
		if line == "" {
			c.Old = append(c.Old, "")
			c.New = append(c.New, "")
			n++
			continue
		}
		switch line[0] {
		case ' ':
			c.Old = append(c.Old, line[1:])
			c.New = append(c.New, line[1:])
		case '-':
			c.Old = append(c.Old, line[1:])
		case '+':
			c.New = append(c.New, line[1:])
		default:
			if n == 0 {
				if endsUpdate(line) || strings.HasPrefix(line, "@@") {
					return c, ps.errorf("update hunk does not contain any lines")
				}
				return c, ps.errorf("unexpected line found in update hunk: '%s'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)", line)
			}
			return c, nil // the next chunk or hunk
		}
		n++
	}
	if n == 0 {
		return c, ps.errorf("update hunk does not contain any lines")
	}
	return c, nil
}
