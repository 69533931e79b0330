package approval

import (
	"strings"
)

// IsKnownSafe reports whether argv is a known-safe read-only command: one on
// the list below with no option that writes files or runs other programs, or
// a `bash -lc "<script>"` (also sh/zsh, -c) whose script [ParseScript]
// accepts and whose every command is known-safe. Commands are matched by
// name, not by path. The check is conservative: an option it cannot rule out
// (including a GNU-style abbreviation of a dangerous long option) makes the
// command unsafe.
func IsKnownSafe(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	if _, script, ok := shellScript(argv); ok {
		cmds, err := ParseScript(script)
		if err != nil {
			return false
		}
		for _, c := range cmds {
			if _, _, nested := shellScript(c.Argv); nested || !IsKnownSafe(c.Argv) {
				return false
			}
		}
		return true
	}
	check, ok := safeCommands[argv[0]]
	return ok && check(argv[1:])
}

// SafeCommandNames lists the names IsKnownSafe knows, sorted.
func SafeCommandNames() []string { return sortedKeys(safeCommands) }

func anyArgs([]string) bool { return true }

// safeCommands maps a command name to a check of its arguments.
var safeCommands = map[string]func(args []string) bool{
	// Always read-only whatever the arguments.
	"basename": anyArgs, "cat": anyArgs, "cd": anyArgs, "cksum": anyArgs, "cmp": anyArgs,
	"cut": anyArgs, "df": anyArgs, "diff": anyArgs, "dirname": anyArgs, "du": anyArgs,
	"echo": anyArgs, "false": anyArgs, "grep": anyArgs, "head": anyArgs, "id": anyArgs,
	"ls": anyArgs, "md5sum": anyArgs, "nl": anyArgs, "printf": anyArgs, "pwd": anyArgs,
	"readlink": anyArgs, "realpath": anyArgs, "rev": anyArgs, "seq": anyArgs,
	"sha1sum": anyArgs, "sha256sum": anyArgs, "sha512sum": anyArgs, "stat": anyArgs,
	"tac": anyArgs, "tail": anyArgs, "tr": anyArgs, "true": anyArgs, "uname": anyArgs,
	"wc": anyArgs, "which": anyArgs, "whoami": anyArgs,

	// Read-only unless given an option that writes or executes.
	"date": safeDate,
	"file": func(args []string) bool { return !hasOption(args, "C", "compile") },
	"find": safeFind,
	"git":  safeGit,
	"go":   safeGo,
	"rg":   func(args []string) bool { return !hasOption(args, "z", "pre", "search-zip", "hostname-bin") },
	"sed":  safeSed,
	"sort": func(args []string) bool { return !hasOption(args, "o", "output", "compress-program") },
	"tree": func(args []string) bool { return !hasOption(args, "oR") },
	"uniq": safeUniq,
}

// hasOption reports whether args hold a dangerous option: a short option
// whose letter is in shorts (alone or in a cluster such as -xo), or a long
// option (--name or --name=value) that equals one of longs or abbreviates it.
// It does not know which options take values, so it errs on the unsafe side.
func hasOption(args []string, shorts string, longs ...string) bool {
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "--") && len(a) > 2:
			name, _, _ := strings.Cut(a[2:], "=")
			for _, l := range longs {
				if strings.HasPrefix(l, name) {
					return true
				}
			}
		case strings.HasPrefix(a, "-") && len(a) > 1 && a != "--":
			if strings.ContainsAny(a[1:], shorts) {
				return true
			}
		}
	}
	return false
}

// safeFind rejects the actions that run commands or write files.
func safeFind(args []string) bool {
	for _, a := range args {
		switch a {
		case "-exec", "-execdir", "-ok", "-okdir", "-delete",
			"-fls", "-fprint", "-fprint0", "-fprintf":
			return false
		}
	}
	return true
}

// safeSed allows only `sed -n Np` and `sed -n M,Np` (and $) with file operands.
func safeSed(args []string) bool {
	if len(args) < 2 || args[0] != "-n" || !isLineRangePrint(args[1]) {
		return false
	}
	for _, f := range args[2:] {
		if strings.HasPrefix(f, "-") {
			return false
		}
	}
	return true
}

func isLineRangePrint(expr string) bool {
	body, ok := strings.CutSuffix(expr, "p")
	if !ok || body == "" {
		return false
	}
	from, to, isRange := strings.Cut(body, ",")
	if !isLineAddr(from) {
		return false
	}
	return !isRange || isLineAddr(to)
}

func isLineAddr(s string) bool {
	if s == "$" {
		return true
	}
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// safeUniq allows at most one file operand (a second one is the output).
func safeUniq(args []string) bool {
	operands := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			operands += len(args) - i - 1
			i = len(args)
		case a == "-f" || a == "-s" || a == "-w" || a == "--skip-fields" || a == "--skip-chars" || a == "--check-chars":
			i++ // value
		case strings.HasPrefix(a, "-") && a != "-":
			// an option, possibly with an attached value
		default:
			operands++
		}
	}
	return operands <= 1
}

// safeDate rejects setting the clock: -s/--set and a MMDDhhmm operand.
func safeDate(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-d" || a == "-r" || a == "-f" || a == "--date" || a == "--reference" || a == "--file":
			i++ // value
		case strings.HasPrefix(a, "--"):
			if hasOption([]string{a}, "", "set") {
				return false
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if strings.ContainsRune(a[1:], 's') {
				return false
			}
		case !strings.HasPrefix(a, "+"):
			return false
		}
	}
	return true
}

// safeGo allows go version, go env (not -w/-u) and go list (without the
// flags that build or run tools).
func safeGo(args []string) bool {
	if len(args) == 0 {
		return false
	}
	rest := args[1:]
	switch args[0] {
	case "version":
		return true
	case "env":
		return !hasGoFlag(rest, "w", "u")
	case "list":
		return !hasGoFlag(rest, "export", "compiled", "toolexec", "exec", "overlay", "modfile", "pgo")
	}
	return false
}

// hasGoFlag reports whether args hold one of the Go flags names (-name,
// --name, with or without =value).
func hasGoFlag(args []string, names ...string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		for _, n := range names {
			if name == n {
				return true
			}
		}
	}
	return false
}

// gitSafeSubcommands are git's read-only subcommands; branch is further
// limited to listing.
var gitSafeSubcommands = map[string]bool{
	"status": true, "log": true, "diff": true, "show": true, "branch": true,
	"rev-parse": true, "ls-files": true, "blame": true, "grep": true,
}

// safeGit allows `git [-C dir] [--no-pager] <read-only subcommand> ...`
// without options that write files or start other programs.
func safeGit(args []string) bool {
	i := 0
globals:
	for i < len(args) {
		switch a := args[i]; {
		case a == "-C" && i+1 < len(args):
			i += 2
		case a == "--no-pager" || a == "-P":
			i++
		case strings.HasPrefix(a, "-"):
			return false // -c, --git-dir, --exec-path, ...: not known safe
		default:
			break globals
		}
	}
	if i >= len(args) || !gitSafeSubcommands[args[i]] {
		return false
	}
	sub, rest := args[i], args[i+1:]
	if hasOption(rest, "", "output", "ext-diff", "open-files-in-pager") {
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

// gitBranchListValueFlags take a value (as the next argument unless given
// with =).
var gitBranchListValueFlags = map[string]bool{
	"--contains": true, "--no-contains": true, "--merged": true, "--no-merged": true,
	"--points-at": true, "--sort": true, "--format": true, "--color": false, "--column": false,
}

// gitBranchListFlags are the options of `git branch` that only list.
var gitBranchListFlags = map[string]bool{
	"-a": true, "--all": true, "-r": true, "--remotes": true, "-l": true, "--list": true,
	"-v": true, "-vv": true, "--verbose": true, "--show-current": true, "-i": true,
	"--ignore-case": true, "--no-color": true, "--color": true, "--no-column": true,
	"--column": true, "--omit-empty": true,
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
		case gitBranchListValueFlags[name]:
			if !hasValue {
				i++
			}
		case gitBranchListFlags[name]:
		case strings.HasPrefix(a, "-"):
			return false
		default:
			patterns = true
		}
	}
	return !patterns || list
}
