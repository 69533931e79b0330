package proc

import (
	"sort"
	"strings"
)

// Inherit says which variables of the parent's environment a child starts
// from (Codex's shell_environment_policy.inherit).
type Inherit string

// Inherit values. The zero value means InheritCore.
const (
	InheritAll  Inherit = "all"
	InheritCore Inherit = "core"
	InheritNone Inherit = "none"
)

// CoreVars are the variables InheritCore keeps (matched case-insensitively;
// LC_* is a glob). The Windows ones let programs start there.
var CoreVars = []string{
	"PATH", "HOME", "LANG", "LC_*", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ",
	"SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "TEMP", "TMP",
}

// SecretVars are the default excludes: names that usually hold credentials
// (case-insensitive globs). They are dropped unless EnvPolicy.Allow matches
// them or EnvPolicy.IgnoreDefaultExcludes is set.
var SecretVars = []string{"*KEY*", "*TOKEN*", "*SECRET*", "*PASSWORD*", "AWS_*", "SSH_AUTH_SOCK"}

// EnvPolicy builds a child's environment (Codex's shell_environment_policy).
// The zero value inherits the core variables minus secrets.
type EnvPolicy struct {
	// Inherit picks the starting set: all, core (default) or none.
	Inherit Inherit
	// IgnoreDefaultExcludes keeps variables matching SecretVars.
	IgnoreDefaultExcludes bool
	// Allow lists globs exempt from the SecretVars excludes.
	Allow []string
	// Exclude drops matching variables.
	Exclude []string
	// IncludeOnly, when not empty, keeps only matching variables.
	IncludeOnly []string
	// Set assigns variables last, overriding everything above.
	Set map[string]string
}

// BuildEnv returns the environment for a child: environ ("NAME=value"
// entries, as from os.Environ; for duplicates the last wins) filtered by pol
// in this order: inherit, default secret excludes, Exclude, IncludeOnly, Set.
// Globs support * and ? and match names case-insensitively. The result is
// sorted by name, so it is deterministic.
func BuildEnv(environ []string, pol EnvPolicy) []string {
	vars := make(map[string]string, len(environ))
	names := make(map[string]string) // upper-case name -> name as given, for Set overrides
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue // e.g. Windows' "=C:=C:\\" entries
		}
		if !inherited(pol.Inherit, name) {
			continue
		}
		if !pol.IgnoreDefaultExcludes && matchAny(SecretVars, name) && !matchAny(pol.Allow, name) {
			continue
		}
		if matchAny(pol.Exclude, name) {
			continue
		}
		if len(pol.IncludeOnly) > 0 && !matchAny(pol.IncludeOnly, name) {
			continue
		}
		if prev, ok := names[strings.ToUpper(name)]; ok && prev != name {
			delete(vars, prev) // same variable in another case (Windows)
		}
		vars[name] = value
		names[strings.ToUpper(name)] = name
	}
	for name, value := range pol.Set {
		if prev, ok := names[strings.ToUpper(name)]; ok && prev != name {
			delete(vars, prev)
		}
		vars[name] = value
		names[strings.ToUpper(name)] = name
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + vars[k]
	}
	return out
}

func inherited(in Inherit, name string) bool {
	switch in {
	case InheritAll:
		return true
	case InheritNone:
		return false
	default:
		return matchAny(CoreVars, name)
	}
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if Match(g, name) {
			return true
		}
	}
	return false
}

// Match reports whether name matches glob, case-insensitively; * matches
// any run of characters and ? one character.
func Match(glob, name string) bool {
	return matchFold(strings.ToUpper(glob), strings.ToUpper(name))
}

func matchFold(g, s string) bool {
	// Iterative wildcard matching with single-star backtracking.
	gi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case gi < len(g) && (g[gi] == '?' || g[gi] == s[si]):
			gi++
			si++
		case gi < len(g) && g[gi] == '*':
			star, mark = gi, si
			gi++
		case star >= 0:
			gi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for gi < len(g) && g[gi] == '*' {
		gi++
	}
	return gi == len(g)
}
