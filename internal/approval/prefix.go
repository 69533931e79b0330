package approval

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// PrefixRuleProposal returns the prefix rule to propose to the user with a
// request to run argv outside the sandbox, when the model's rule may be
// proposed (see the package documentation on prefix rules).
func PrefixRuleProposal(argv, rule []string) ([]string, bool) {
	if !validPrefixRule(rule) {
		return nil, false
	}
	if !CoveredByPrefixRules(argv, [][]string{rule}) {
		return nil, false
	}
	return slices.Clone(rule), true
}

// CoveredByPrefixRules reports whether every simple command of argv starts
// with one of rules. Rules that could not be proposed (empty, or starting
// with an interpreter) cover nothing.
func CoveredByPrefixRules(argv []string, rules [][]string) bool {
	if len(rules) == 0 {
		return false
	}
	cmds, ok := simpleCommands(argv)
	if !ok {
		return false
	}
	for _, c := range cmds {
		if !slices.ContainsFunc(rules, func(r []string) bool {
			return validPrefixRule(r) && len(c) >= len(r) && slices.Equal(c[:len(r)], r)
		}) {
			return false
		}
	}
	return true
}

// simpleCommands splits argv into the simple commands it runs: a shell's
// `-c`/`-lc` script parsed by ParseScript, or argv itself. A script outside
// ParseScript's subset is not split (ok is false).
func simpleCommands(argv []string) ([][]string, bool) {
	if len(argv) == 0 {
		return nil, false
	}
	if _, script, ok := shellScript(argv); ok {
		parsed, err := ParseScript(script)
		if err != nil {
			return nil, false
		}
		out := make([][]string, len(parsed))
		for i, c := range parsed {
			out[i] = c.Argv
		}
		return out, true
	}
	return [][]string{argv}, true
}

// validPrefixRule reports whether rule may be proposed and applied.
func validPrefixRule(rule []string) bool {
	if len(rule) == 0 || slices.Contains(rule, "") {
		return false
	}
	return !runsAnything(rule)
}

// runsAnything reports whether a rule starting like this would approve
// arbitrary programs or code: Codex's banned suggestions (a shell or an
// interpreter alone or with its code flag, git alone, env, sudo) and, as
// kodex adds, any rule whose first word is a shell, a wrapper that runs
// another program, or an interpreter followed only by options.
func runsAnything(rule []string) bool {
	name := strings.ToLower(filepath.Base(rule[0]))
	name = strings.TrimSuffix(name, ".exe")
	switch name {
	case "bash", "sh", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "pwsh", "powershell", "cmd",
		"env", "sudo", "doas", "su", "xargs", "eval", "exec", "command", "builtin", "nohup", "nice",
		"timeout", "time", "watch", "busybox", "osascript", "script", "ssh", "setsid", "stdbuf", "chroot", "unshare":
		return true
	case "python", "python2", "python3", "py", "pythonw", "pyw", "pypy", "pypy3", "node", "deno", "bun",
		"perl", "ruby", "php", "lua", "tclsh", "awk", "gawk":
		// The interpreter alone or with options only (python3 -c, node -e):
		// a script name after them is a rule for that script.
		for _, w := range rule[1:] {
			if !strings.HasPrefix(w, "-") {
				return false
			}
		}
		return true
	case "git":
		return len(rule) == 1
	}
	return false
}

// FormatPrefixRule is the line a rule is saved as, in Codex's rules
// language: prefix_rule(pattern=["git", "pull"], decision="allow").
func FormatPrefixRule(rule []string) string {
	words := make([]string, len(rule))
	for i, w := range rule {
		b, _ := json.Marshal(w)
		words[i] = string(b)
	}
	return fmt.Sprintf("prefix_rule(pattern=[%s], decision=\"allow\")", strings.Join(words, ", "))
}

// ParsePrefixRules reads the rules saved by FormatPrefixRule, one a line;
// blank lines and # comments are skipped. Any other line (Codex's rules
// language has more: forbidden and prompt decisions, alternatives,
// justifications) is reported in errs and skipped: kodex applies only the
// allow rules it can read exactly.
func ParsePrefixRules(text string) (rules [][]string, errs []error) {
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule, ok := parsePrefixRuleLine(line)
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: not a rule kodex applies (want prefix_rule(pattern=[\"word\", ...], decision=\"allow\")): %s", n+1, line))
			continue
		}
		rules = append(rules, rule)
	}
	return rules, errs
}

func parsePrefixRuleLine(line string) ([]string, bool) {
	rest, ok := strings.CutPrefix(line, "prefix_rule(pattern=")
	if !ok {
		return nil, false
	}
	body, ok := strings.CutSuffix(rest, `, decision="allow")`)
	if !ok {
		return nil, false
	}
	var rule []string
	if err := json.Unmarshal([]byte(body), &rule); err != nil || !validPrefixRule(rule) {
		return nil, false
	}
	return rule, true
}
