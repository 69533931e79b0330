package shell

import (
	"regexp"
	"strings"
	"sync"
)

// A login shell (bash -lc, what models run) reads the user's profile, and
// version managers' init lines in it try to rebuild their shims — which the
// sandbox, rightly, does not let them write:
//
//	pyenv: cannot rehash: /home/me/.pyenv/shims isn't writable
//
// The command itself is unaffected; the line only misleads the model (and
// read as a sandbox denial). Exactly these lines are dropped from a login
// shell's output; nothing else is.
var rehashNoise = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^(pyenv|rbenv|nodenv|goenv|jenv|plenv|phpenv|swiftenv|tfenv): cannot rehash: [^\n]* isn't writable\n?`)
})

// loginShell reports whether argv runs a login shell (sh -l…, bash -lc …).
func loginShell(argv []string) bool {
	if len(argv) < 2 {
		return false
	}
	name := argv[0][strings.LastIndexByte(argv[0], '/')+1:]
	switch name {
	case "bash", "zsh", "sh", "dash", "ksh", "fish":
	default:
		return false
	}
	for _, a := range argv[1:] {
		if a == "--login" || strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "l") {
			return true
		}
		if !strings.HasPrefix(a, "-") {
			break
		}
	}
	return false
}

// dropProfileNoise removes the version managers' rehash warnings from a
// login shell's output (see rehashNoise).
func dropProfileNoise(argv []string, out string) string {
	if !loginShell(argv) || !strings.Contains(out, ": cannot rehash: ") {
		return out
	}
	return rehashNoise().ReplaceAllString(out, "")
}
