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
	// ShellUnifiedExec: exec_command + write_stdin, a command line in a
	// terminal that may keep running across calls.
	ShellUnifiedExec
)

// ShellToolFor returns the shell tool offered to the named model:
// exec_command + write_stdin for the GPT-5 family and later (gpt-5*,
// gpt-6*) and the Codex models (codex-*, *-codex*), which are trained on
// it, and the simpler `shell` for every other model, gpt-oss, local and
// unknown ones included. (Codex 0.169 offers the pair to every model,
// gpt-4.1, o3 and gpt-oss included, and ignores --disable unified_exec;
// features.unified_exec = true does that here.) features.unified_exec
// overrides it.
func ShellToolFor(name string) ShellTool {
	n := baseName(name)
	for _, p := range []string{"gpt-5", "gpt-6", "codex-"} {
		if strings.HasPrefix(n, p) {
			return ShellUnifiedExec
		}
	}
	if strings.Contains(n, "-codex") {
		return ShellUnifiedExec
	}
	return ShellArgv
}
