package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadDotEnv reads $KODEX_HOME/.env and returns the variables it sets that
// are not already set (non-empty) in the environment; the caller applies
// them. A missing file is not an error.
//
// The format is the common one: KEY=VALUE lines, an optional `export `
// prefix, # comments, unquoted values (trailing ` # comment` removed),
// 'single-quoted' values taken literally, and "double-quoted" values with
// \n, \r, \t, \", \\ and \$ escapes. Quoted values may span lines. There is
// no ${VAR} expansion.
func LoadDotEnv(home string, getenv func(string) string) (map[string]string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := filepath.Join(home, ".env")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	vars, err := parseDotEnv(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	out := map[string]string{}
	for _, kv := range vars {
		if getenv(kv[0]) == "" {
			out[kv[0]] = kv[1]
		}
	}
	return out, nil
}

// parseDotEnv returns the assignments in order. Errors start with the line
// number followed by ": ".
func parseDotEnv(s string) ([][2]string, error) {
	var out [][2]string
	line := 1
	for len(s) > 0 {
		start := line
		var rest string
		var kv [2]string
		var err error
		kv, rest, err = dotEnvLine(s, &line)
		if err != nil {
			return nil, fmt.Errorf("%d: %w", start, err)
		}
		if kv[0] != "" {
			out = append(out, kv)
		}
		s = rest
	}
	return out, nil
}

// dotEnvLine parses one logical line (a quoted value may span several) and
// returns the assignment (empty for blank and comment lines) and the rest.
func dotEnvLine(s string, line *int) (kv [2]string, rest string, err error) {
	eol := strings.IndexByte(s, '\n')
	if eol < 0 {
		eol = len(s)
	}
	text := strings.TrimSpace(strings.TrimSuffix(s[:eol], "\r"))
	next := func() string {
		if eol < len(s) {
			*line++
			return s[eol+1:]
		}
		return ""
	}
	if text == "" || text[0] == '#' {
		return kv, next(), nil
	}
	s = strings.TrimLeft(s, " \t")
	if after, ok := strings.CutPrefix(s, "export"); ok && len(after) > 0 && (after[0] == ' ' || after[0] == '\t') {
		s = strings.TrimLeft(after, " \t")
	}
	eq := strings.IndexAny(s, "=\n")
	if eq < 0 || s[eq] != '=' {
		return kv, "", fmt.Errorf("want KEY=VALUE")
	}
	key := strings.TrimSpace(s[:eq])
	if !validEnvName(key) {
		return kv, "", fmt.Errorf("bad variable name %q", key)
	}
	s = strings.TrimLeft(s[eq+1:], " \t")
	var val string
	switch {
	case strings.HasPrefix(s, `"`):
		val, s, err = doubleQuoted(s[1:], line)
	case strings.HasPrefix(s, `'`):
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return kv, "", fmt.Errorf("unterminated ' in value of %s", key)
		}
		val = s[1 : 1+end]
		*line += strings.Count(val, "\n")
		s = s[2+end:]
	default:
		eol := strings.IndexByte(s, '\n')
		if eol < 0 {
			eol = len(s)
		}
		val = strings.TrimSuffix(s[:eol], "\r")
		if i := strings.Index(val, " #"); i >= 0 {
			val = val[:i]
		}
		if i := strings.Index(val, "\t#"); i >= 0 {
			val = val[:i]
		}
		val = strings.TrimSpace(val)
		s = s[eol:]
	}
	if err != nil {
		return kv, "", err
	}
	// After a quoted value: only blanks or a comment.
	eol = strings.IndexByte(s, '\n')
	if eol < 0 {
		eol = len(s)
	}
	tail := strings.TrimSpace(strings.TrimSuffix(s[:eol], "\r"))
	if tail != "" && tail[0] != '#' {
		return kv, "", fmt.Errorf("unexpected %q after the value of %s", tail, key)
	}
	if eol < len(s) {
		*line++
		s = s[eol+1:]
	} else {
		s = ""
	}
	return [2]string{key, val}, s, nil
}

func doubleQuoted(s string, line *int) (val, rest string, err error) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return sb.String(), s[i+1:], nil
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case '"', '\\', '$', '\'':
				sb.WriteByte(s[i])
			default:
				sb.WriteByte('\\')
				sb.WriteByte(s[i])
			}
		default:
			if c == '\n' {
				*line++
			}
			sb.WriteByte(c)
		}
	}
	return "", "", errors.New(`unterminated " in value`)
}

func validEnvName(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '.' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
