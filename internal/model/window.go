package model

import "strings"

// KnownContextWindow returns the context window, in tokens, of well-known
// models by name, or 0 when the model is not known (then only the
// configured model_context_window applies). Longer prefixes are checked
// first, so "gpt-4.1" does not match "gpt-4".
func KnownContextWindow(name string) int64 {
	n := baseName(name)
	switch {
	case strings.HasPrefix(n, "gpt-5"), strings.HasPrefix(n, "codex-"):
		return 272_000
	case strings.HasPrefix(n, "gpt-4.1"):
		return 1_047_576
	case strings.HasPrefix(n, "gpt-4o"):
		return 128_000
	case strings.HasPrefix(n, "o3"), strings.HasPrefix(n, "o4-mini"), strings.HasPrefix(n, "o1"):
		return 200_000
	case strings.HasPrefix(n, "gpt-oss"):
		return 131_072
	}
	return 0
}

// Reasons reports whether the named model is a reasoning model that takes
// Responses API reasoning parameters and returns reasoning summaries (the
// GPT-5 family, Codex models, the o-series), as Codex's model families say.
// Such a model gets reasoning {summary} and encrypted reasoning content by
// default; others get no reasoning parameters unless configured.
func Reasons(name string) bool {
	n := baseName(name)
	for _, p := range []string{"gpt-5", "codex-", "o1", "o3", "o4"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// ApplyPatchTool is the form in which the apply_patch tool is offered to a
// model.
type ApplyPatchTool int

// apply_patch tool forms.
const (
	// ApplyPatchFunction: a JSON function whose one argument, "input", holds
	// the patch.
	ApplyPatchFunction ApplyPatchTool = iota
	// ApplyPatchFreeform: a custom (freeform) tool whose input is the patch
	// itself, constrained by a grammar. Only the Responses API has custom
	// tools; elsewhere the function form is used.
	ApplyPatchFreeform
)

// ApplyPatchToolFor returns the apply_patch form the named model is trained
// on, as Codex's model families say: freeform for the GPT-5 family and
// later (gpt-5*, gpt-6*, codex-*), the JSON function for every other model,
// gpt-oss and unknown models included.
func ApplyPatchToolFor(name string) ApplyPatchTool {
	n := baseName(name)
	for _, p := range []string{"gpt-5", "gpt-6", "codex-"} {
		if strings.HasPrefix(n, p) {
			return ApplyPatchFreeform
		}
	}
	return ApplyPatchFunction
}

// baseName is name in lower case without a provider prefix
// ("openrouter/openai/o3" → "o3").
func baseName(name string) string {
	n := strings.ToLower(name)
	if i := strings.LastIndex(n, "/"); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// ShellTool is the shell tool a model is offered.
type ShellTool int

// Shell tool forms.
const (
	// ShellArgv: `shell`, an argv array run to completion.
	ShellArgv ShellTool = iota
	// ShellCommand: `shell_command`, a command line run to completion by
	// the user's shell.
	ShellCommand
	// ShellUnifiedExec: exec_command + write_stdin, a command line in a
	// terminal that may keep running across calls.
	ShellUnifiedExec
	// ShellNone: no shell tool at all (features.shell_tool = false).
	ShellNone
)

// String returns the tool's name (the pair's first), for logs and tests.
func (s ShellTool) String() string {
	switch s {
	case ShellArgv:
		return "shell"
	case ShellCommand:
		return "shell_command"
	case ShellUnifiedExec:
		return "exec_command"
	case ShellNone:
		return "none"
	}
	return "ShellTool(?)"
}

// ShellToolFor returns the named model family's own shell tool, the one
// offered when unified exec is turned off (features.unified_exec = false):
// `shell_command` for the families Codex's model catalog gives shell_type
// "shell_command" (gpt-5*, gpt-6*, codex-*, *-codex*), the argv `shell`
// for every other model (o3, gpt-4.1, gpt-4o, gpt-oss, local and unknown
// ones), as Codex's model families had it before unified exec. By default
// every model gets exec_command + write_stdin, as Codex 0.169 gives them
// (see ChooseShellTool).
func ShellToolFor(name string) ShellTool {
	n := baseName(name)
	for _, p := range []string{"gpt-5", "gpt-6", "codex-"} {
		if strings.HasPrefix(n, p) {
			return ShellCommand
		}
	}
	if strings.Contains(n, "-codex") {
		return ShellCommand
	}
	return ShellArgv
}

// ChooseShellTool returns the shell tool the named model is offered under
// Codex's feature flags: none when shellTool (features.shell_tool) is off,
// else exec_command + write_stdin for every model when unifiedExec
// (features.unified_exec, on by default) is on, as Codex 0.169 does, else
// the family's own (ShellToolFor). Codex 0.169 ignores unified_exec = false;
// kodex honours it.
func ChooseShellTool(name string, shellTool, unifiedExec bool) ShellTool {
	switch {
	case !shellTool:
		return ShellNone
	case unifiedExec:
		return ShellUnifiedExec
	}
	return ShellToolFor(name)
}
