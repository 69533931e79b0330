package patch

import (
	"path/filepath"
	"strings"
)

// ExtractFromShell recognises a model running apply_patch through the shell
// tool and returns the patch text and the directory it should apply in
// ("" for the call's own workdir; otherwise relative to it, or absolute).
// The recognised forms are
//
//	["apply_patch", patch] or ["applypatch", patch]
//	["bash"|"sh"|"zsh", "-lc"|"-c", script]
//
// where script is a single heredoc invocation, optionally after a cd:
//
//	[cd <dir> && ]apply_patch <<'EOF'
//	...
//	EOF
//
// The heredoc delimiter may be any word, quoted or not. Anything else in
// the script (another command before or after) is not recognised, so the
// script runs as an ordinary command. ok does not mean the patch parses.
func ExtractFromShell(argv []string) (patch, workdir string, ok bool) {
	if len(argv) == 2 && isApplyPatch(argv[0]) {
		return argv[1], "", true
	}
	if len(argv) != 3 || !isPosixShell(argv[0]) || argv[1] != "-lc" && argv[1] != "-c" {
		return "", "", false
	}
	return extractHeredoc(argv[2])
}

func isApplyPatch(s string) bool { return s == "apply_patch" || s == "applypatch" }

func isPosixShell(s string) bool {
	name := strings.TrimSuffix(filepath.Base(s), ".exe")
	return name == "bash" || name == "sh" || name == "zsh"
}

func extractHeredoc(script string) (patch, workdir string, ok bool) {
	s := strings.TrimLeft(script, " \t\r\n")
	if rest, isCd := strings.CutPrefix(s, "cd "); isCd {
		dir, rest, ok := shellWord(strings.TrimLeft(rest, " \t"))
		if !ok {
			return "", "", false
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "&&")
		if !ok {
			return "", "", false
		}
		workdir, s = dir, strings.TrimLeft(rest, " \t\r\n")
	}
	end := strings.IndexAny(s, " \t<")
	if end < 0 || !isApplyPatch(s[:end]) {
		return "", "", false
	}
	rest := s[end:]
	rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "<<")
	if !ok || strings.HasPrefix(rest, "<") || strings.HasPrefix(rest, "-") {
		return "", "", false
	}
	first, body, _ := strings.Cut(rest, "\n")
	delim, ok := heredocOpener("<<" + strings.TrimSpace(first))
	if !ok {
		return "", "", false
	}
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.TrimSuffix(l, "\r") != delim {
			continue
		}
		if strings.TrimSpace(strings.Join(lines[i+1:], "\n")) != "" {
			return "", "", false // more commands after the heredoc
		}
		return strings.Join(lines[:i], "\n"), workdir, true
	}
	return "", "", false
}

// shellWord reads one shell word without expansions: a bare word, a
// 'single-quoted' or a "double-quoted" string (the latter without $, ` or
// \). It returns the word and the rest of s.
func shellWord(s string) (word, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	switch q := s[0]; q {
	case '\'', '"':
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", "", false
		}
		word = s[1 : 1+end]
		if q == '"' && strings.ContainsAny(word, "$`\\") {
			return "", "", false
		}
		return word, s[2+end:], word != ""
	}
	end := strings.IndexAny(s, " \t\r\n;&|<>()'\"$`\\*?")
	if end < 0 {
		end = len(s)
	}
	return s[:end], s[end:], end > 0
}
