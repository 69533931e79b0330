package approval

import (
	"slices"
	"strings"
	"sync"
)

// The commands in this file are SafeInSandbox: they only read when their
// options are checked, but the repository they run in can name programs
// for them to run. A git repository's config (including a bare repository
// committed as ordinary files and reached with `git -C dir`) can set
// textconv, diff.external and diff.<driver>.command, core.fsmonitor,
// clean/smudge/process filters and core.pager; the go command obeys a
// go.mod that asks for a newer toolchain by downloading and running it, and
// may write go.mod and the module cache. Options that write or run programs
// whatever the sandbox are rejected here outright.

// gitSafeSubcommands are git's read-only subcommands; branch is further
// limited to listing.
func gitSafeSubcommand(sub string) bool {
	switch sub {
	case "status", "log", "diff", "show", "branch", "rev-parse", "ls-files", "blame", "grep":
		return true
	}
	return false
}

// gitUnsafeLongs are options of the read-only subcommands that write a
// file (--output) or run a program (--ext-diff, --textconv,
// --open-files-in-pager); abbreviations are rejected too, which also
// rejects the harmless --text (use -a).
var gitUnsafeLongs = []string{"output", "ext-diff", "textconv", "open-files-in-pager"}

// safeGit allows `git [-C dir] [--no-pager|-P] [--no-optional-locks]
// <read-only subcommand> ...` without options that write files or start
// other programs. Every other global option is rejected: -c, --config-env,
// --git-dir, --work-tree, --exec-path, --namespace and the like change which
// repository, configuration or programs git uses.
func safeGit(args []string) bool {
	i := 0
globals:
	for i < len(args) {
		switch a := args[i]; {
		case a == "-C" && i+1 < len(args):
			i += 2
		case a == "--no-pager" || a == "-P" || a == "--no-optional-locks":
			i++
		case strings.HasPrefix(a, "-"):
			return false
		default:
			break globals
		}
	}
	if i >= len(args) || !gitSafeSubcommand(args[i]) {
		return false
	}
	sub, rest := args[i], args[i+1:]
	if hasOption(rest, "", gitUnsafeLongs...) {
		return false
	}
	switch sub {
	case "grep":
		return !hasOption(rest, "O")
	case "branch":
		return gitBranchListsOnly(rest)
	}
	return true
}

// gitBranchListValueFlag reports whether a listing option of `git branch`
// takes a value (as the next argument unless given with =); --color and
// --column take one only with =.
func gitBranchListValueFlag(name string) bool {
	switch name {
	case "--contains", "--no-contains", "--merged", "--no-merged", "--points-at", "--sort", "--format":
		return true
	}
	return false
}

// gitBranchListFlag reports whether name is an option of `git branch` that
// only lists.
func gitBranchListFlag(name string) bool {
	switch name {
	case "-a", "--all", "-r", "--remotes", "-l", "--list", "-v", "-vv", "--verbose", "--show-current",
		"-i", "--ignore-case", "--no-color", "--color", "--no-column", "--column", "--omit-empty":
		return true
	}
	return false
}

// gitBranchListsOnly reports whether `git branch args` only lists branches:
// known listing flags, and patterns only in --list mode.
func gitBranchListsOnly(args []string) bool {
	list, patterns := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch {
		case a == "-l" || a == "--list":
			list = true
		case gitBranchListValueFlag(name):
			if !hasValue {
				i++
			}
		case gitBranchListFlag(name):
		case strings.HasPrefix(a, "-"):
			return false
		default:
			patterns = true
		}
	}
	return !patterns || list
}

// goFlag is a flag a read-only go subcommand may be given.
type goFlag struct {
	value  bool     // takes a value (-f x, -f=x); otherwise boolean-like (-e, -json=Dir)
	values []string // the allowed values, when not any
}

// goSafeFlags are, per read-only subcommand, the only flags allowed. Not
// allowed, among others: -mod=mod (rewrites go.mod), -modfile, -workfile,
// -overlay, -toolexec, -exec, -pgo, -export and -compiled (they build or
// run tools), -reuse, -C, and go env -w/-u (they write the go env file).
// Built on first use.
var goSafeFlags = sync.OnceValue(func() map[string]map[string]goFlag {
	return map[string]map[string]goFlag{
		"version": {"m": {}, "v": {}, "json": {}},
		"env":     {"json": {}, "changed": {}},
		"list": {
			"json": {}, "f": {value: true}, "m": {}, "deps": {}, "test": {}, "e": {}, "find": {},
			"versions": {}, "retracted": {}, "u": {}, "tags": {value: true},
			"mod": {value: true, values: []string{"readonly", "vendor"}},
		},
	}
})

// safeGo allows go version, go env and go list with only the flags in
// goSafeFlags. Go flags are -name or --name, with =value or (for flags that
// take one) the next argument; every argument that looks like a flag is
// checked, even after the first operand or a "--".
func safeGo(args []string) bool {
	if len(args) == 0 {
		return false
	}
	flags, ok := goSafeFlags()[args[0]]
	if !ok {
		return false
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue // an operand
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f, ok := flags[name]
		if !ok {
			return false
		}
		if !f.value {
			continue
		}
		if !hasValue {
			if i+1 >= len(rest) {
				return false
			}
			i++
			value = rest[i]
		}
		if f.values != nil && !slices.Contains(f.values, value) {
			return false
		}
	}
	return true
}
