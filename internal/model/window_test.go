package model

import "testing"

func TestKnownContextWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want int64
	}{
		{"gpt-5.1-codex", 272_000},
		{"GPT-5", 272_000},
		{"gpt-4.1-mini", 1_047_576},
		{"gpt-4o", 128_000},
		{"o3", 200_000},
		{"o4-mini", 200_000},
		{"gpt-oss:20b", 131_072},
		{"openai/gpt-oss-120b", 131_072},
		{"llama3", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := KnownContextWindow(tt.name); got != tt.want {
			t.Errorf("KnownContextWindow(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestReasons(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"gpt-5.1-codex": true, "GPT-5": true, "gpt-5-mini": true, "codex-mini-latest": true,
		"o3": true, "o4-mini": true, "openrouter/openai/o3": true,
		"gpt-4.1": false, "gpt-4o": false, "llama3": false, "qwen3-coder": false, "": false,
	} {
		if got := Reasons(name); got != want {
			t.Errorf("Reasons(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestApplyPatchToolFor(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]ApplyPatchTool{
		"gpt-5.1-codex": ApplyPatchFreeform, "gpt-5-codex": ApplyPatchFreeform, "GPT-5.5": ApplyPatchFreeform,
		"gpt-5": ApplyPatchFreeform, "gpt-6-sol": ApplyPatchFreeform, "codex-mini-latest": ApplyPatchFreeform,
		"openai/gpt-5.2-codex": ApplyPatchFreeform,
		"gpt-oss:20b":          ApplyPatchFunction, "openai/gpt-oss-120b": ApplyPatchFunction, "gpt-4.1": ApplyPatchFunction,
		"o3": ApplyPatchFunction, "llama3": ApplyPatchFunction, "test-model": ApplyPatchFunction, "": ApplyPatchFunction,
	} {
		if got := ApplyPatchToolFor(name); got != want {
			t.Errorf("ApplyPatchToolFor(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestShellToolFor(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]ShellTool{
		"gpt-5.5": ShellCommand, "gpt-5.1-codex": ShellCommand, "gpt-5": ShellCommand,
		"openai/gpt-5.2-codex": ShellCommand, "codex-mini-latest": ShellCommand, "gpt-6-sol": ShellCommand,
		"my-codex-ft": ShellCommand,
		"gpt-oss:20b": ShellArgv, "gpt-4.1": ShellArgv, "o3": ShellArgv, "llama3": ShellArgv, "test-model": ShellArgv, "": ShellArgv,
	} {
		if got := ShellToolFor(name); got != want {
			t.Errorf("ShellToolFor(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestChooseShellTool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		shellTool, unifiedExec bool
		want                   ShellTool
	}{
		{"o3", true, true, ShellUnifiedExec},
		{"qwen3-coder", true, true, ShellUnifiedExec},
		{"gpt-5.1-codex", true, true, ShellUnifiedExec},
		{"gpt-5.1-codex", true, false, ShellCommand},
		{"o3", true, false, ShellArgv},
		{"gpt-5.5", false, true, ShellNone},
		{"o3", false, false, ShellNone},
	}
	for _, tt := range tests {
		if got := ChooseShellTool(tt.name, tt.shellTool, tt.unifiedExec); got != tt.want {
			t.Errorf("ChooseShellTool(%q, shell_tool=%v, unified_exec=%v) = %v, want %v", tt.name, tt.shellTool, tt.unifiedExec, got, tt.want)
		}
	}
}
