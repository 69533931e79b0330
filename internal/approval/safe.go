package approval

import (
	"fmt"
	"strings"
	"sync"
)

// Safety says where a command may run without asking under approval policy
// untrusted.
type Safety int

// Safety levels, from least to most safe.
const (
	// NotSafe: the command may write files or run other programs, or it is
	// not on the list at all. It asks.
	NotSafe Safety = iota
	// SafeInSandbox: the command only reads when it runs confined, but it
	// reads configuration the repository or working tree controls, and that
	// configuration can name programs to run (git's textconv, diff drivers,
	// fsmonitor, filters and pager; the toolchain a go.mod asks for). It
	// runs without asking only inside the sandbox.
	SafeInSandbox
	// SafeAnywhere: the command cannot run another program or write a file,
	// whatever the repository and working tree contain. It runs without
	// asking even outside the sandbox (danger-full-access).
	SafeAnywhere
)

// String returns the level's name, for logs and test failures.
func (s Safety) String() string {
	switch s {
	case NotSafe:
		return "not-safe"
	case SafeInSandbox:
		return "safe-in-sandbox"
	case SafeAnywhere:
		return "safe-anywhere"
	}
	return fmt.Sprintf("Safety(%d)", int(s))
}

// Reasons a SafeInSandbox command asks when it would run outside the sandbox.
const (
	ReasonGitOutsideSandbox = "git may run programs the repository configures (textconv, diff drivers, fsmonitor, filters, pager); outside the sandbox this needs approval"
	ReasonGoOutsideSandbox  = "the go command may rewrite go.mod, download modules, or download and run the toolchain go.mod asks for; outside the sandbox this needs approval"
)

// Classify returns how safe argv is to run without asking and, for
// SafeInSandbox, why it is not safe outside the sandbox. A command is judged
// by name (not by path: "/bin/ls" is NotSafe) and by its options: one that
// writes files or runs other programs makes it NotSafe, and so does an
// option the check cannot rule out (including a GNU-style abbreviation of a
// dangerous long option). A `bash -lc "<script>"` (also sh/zsh, -c) is as
// safe as the least safe command of its script when [ParseScript] accepts
// the script, and NotSafe otherwise.
func Classify(argv []string) (Safety, string) {
	if len(argv) == 0 {
		return NotSafe, ""
	}
	if _, script, ok := shellScript(argv); ok {
		cmds, err := ParseScript(script)
		if err != nil {
			return NotSafe, ""
		}
		least, why := SafeAnywhere, ""
		for _, c := range cmds {
			if _, _, nested := shellScript(c.Argv); nested {
				return NotSafe, ""
			}
			s, w := Classify(c.Argv)
			if s < least {
				least, why = s, w
			}
		}
		return least, why
	}
	c, ok := safeCommands()[argv[0]]
	if !ok || !c.check(argv[1:]) {
		return NotSafe, ""
	}
	if c.sandboxOnly != "" {
		return SafeInSandbox, c.sandboxOnly
	}
	return SafeAnywhere, ""
}

// IsKnownSafe reports whether argv only reads when it runs inside the
// sandbox: [Classify] says SafeInSandbox or SafeAnywhere. It says nothing
// about running outside the sandbox; approval decisions use [ForCommand].
func IsKnownSafe(argv []string) bool {
	s, _ := Classify(argv)
	return s != NotSafe
}

// SafeCommandNames lists the names Classify knows, sorted.
func SafeCommandNames() []string { return sortedKeys(safeCommands()) }

// safeCommand is an entry of the known-safe list.
type safeCommand struct {
	// check reports whether the arguments keep the command read-only.
	check func(args []string) bool
	// sandboxOnly, when set, makes the command SafeInSandbox and says why.
	sandboxOnly string
}

func anyArgs([]string) bool { return true }

// safeCommands maps a command name to its entry. Not on the list, on
// purpose: wrappers that run another command (env, xargs, timeout, nice,
// nohup, sudo, command, exec), pagers and viewers with shell escapes (less,
// more, man, vi), and anything that writes. Built on first use, so that
// starting kodex does not pay for it.
var safeCommands = sync.OnceValue(func() map[string]safeCommand {
	return map[string]safeCommand{
		// Read-only whatever the arguments.
		"basename": {check: anyArgs}, "cat": {check: anyArgs}, "cd": {check: anyArgs},
		"cksum": {check: anyArgs}, "cmp": {check: anyArgs}, "cut": {check: anyArgs},
		"df": {check: anyArgs}, "diff": {check: anyArgs}, "dirname": {check: anyArgs},
		"du": {check: anyArgs}, "echo": {check: anyArgs}, "false": {check: anyArgs},
		"grep": {check: anyArgs}, "head": {check: anyArgs}, "id": {check: anyArgs},
		"ls": {check: anyArgs}, "md5sum": {check: anyArgs}, "nl": {check: anyArgs},
		"pwd": {check: anyArgs}, "readlink": {check: anyArgs}, "realpath": {check: anyArgs},
		"rev": {check: anyArgs}, "seq": {check: anyArgs}, "sha1sum": {check: anyArgs},
		"sha256sum": {check: anyArgs}, "sha512sum": {check: anyArgs}, "stat": {check: anyArgs},
		"tac": {check: anyArgs}, "tail": {check: anyArgs}, "tr": {check: anyArgs},
		"true": {check: anyArgs}, "uname": {check: anyArgs}, "wc": {check: anyArgs},
		"which": {check: anyArgs}, "whoami": {check: anyArgs},

		// Read-only unless given an option that writes or executes.
		"date": {check: safeDate}, "file": {check: safeFile}, "find": {check: safeFind},
		"printf": {check: safePrintf}, "rg": {check: safeRg}, "sed": {check: safeSed},
		"sort": {check: safeSort}, "tree": {check: safeTree}, "uniq": {check: safeUniq},

		// Read-only inside the sandbox only: they obey configuration the
		// repository controls (see saferepo.go).
		"git": {check: safeGit, sandboxOnly: ReasonGitOutsideSandbox},
		"go":  {check: safeGo, sandboxOnly: ReasonGoOutsideSandbox},
	}
})

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

// safeFile rejects compiling a magic file (-C writes magic.mgc).
func safeFile(args []string) bool { return !hasOption(args, "C", "compile") }

// safeRg rejects the options that run programs: preprocessors (--pre),
// decompressors (-z) and the hostname program.
func safeRg(args []string) bool {
	return !hasOption(args, "z", "pre", "search-zip", "hostname-bin")
}

// safeSort rejects writing an output file or temporary files in a chosen
// directory, and running a compression program.
func safeSort(args []string) bool {
	return !hasOption(args, "oT", "output", "compress-program", "temporary-directory")
}

// safeTree rejects writing an output file (-o, also what -R does).
func safeTree(args []string) bool { return !hasOption(args, "oR", "output") }

// safePrintf rejects leading options: the shell builtin's -v assigns a
// variable (`printf -v PATH .` in a script would change which program the
// next command runs).
func safePrintf(args []string) bool {
	return len(args) == 0 || !strings.HasPrefix(args[0], "-") || args[0] == "--"
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

// safeSed allows only `sed -n Np` and `sed -n M,Np` (and $) with file
// operands: no script command that writes (w) or executes (e) can appear.
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

// safeDate allows only displaying the date: options of GNU and BSD date that
// do not set the clock, and +FORMAT operands (any other operand sets it).
func safeDate(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, op := range args[i+1:] {
				if !strings.HasPrefix(op, "+") {
					return false
				}
			}
			return true
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			takesValue, ok := dateLong(name)
			if !ok {
				return false
			}
			if takesValue && !hasValue {
				i++
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			skip, ok := dateShorts(a[1:])
			if !ok {
				return false
			}
			if skip {
				i++
			}
		case !strings.HasPrefix(a, "+"):
			return false
		}
	}
	return true
}

// dateLongs are GNU date's long options that only display; true marks
// those that take a value (as the next argument unless given with =). A
// slice, not a map: it is static data, with no work at start-up.
var dateLongs = []struct {
	name       string
	takesValue bool
}{
	{"date", true}, {"file", true}, {"reference", true}, {"rfc-3339", true},
	{"debug", false}, {"iso-8601", false}, {"resolution", false}, {"rfc-email", false},
	{"rfc-2822", false}, {"utc", false}, {"universal", false}, {"help", false}, {"version", false},
}

// dateLong resolves a long option of date, which may be abbreviated. ok is
// false when it is, or may abbreviate, --set, or is unknown; takesValue is
// true only when every option it may stand for takes a value, so that an
// operand is never skipped unchecked.
func dateLong(name string) (takesValue, ok bool) {
	if strings.HasPrefix("set", name) {
		return false, false
	}
	for _, l := range dateLongs {
		if l.name == name {
			return l.takesValue, true
		}
	}
	matches, values := 0, 0
	for _, l := range dateLongs {
		if strings.HasPrefix(l.name, name) {
			matches++
			if l.takesValue {
				values++
			}
		}
	}
	return matches > 0 && values == matches, matches > 0
}

// dateShorts checks a cluster of short options of date (without the dash):
// -u -R -j -n, -I[FMT], and -d -r -f -v -z with a value attached or next.
func dateShorts(cluster string) (skipNext, ok bool) {
	for j := 0; j < len(cluster); j++ {
		switch c := cluster[j]; {
		case strings.IndexByte("uRjn", c) >= 0:
		case c == 'I':
			return false, true
		case strings.IndexByte("drfvz", c) >= 0:
			return j == len(cluster)-1, true
		default:
			return false, false
		}
	}
	return false, true
}
