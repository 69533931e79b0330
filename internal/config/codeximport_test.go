package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCodexFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, `model = "gpt-5"
check_for_update_on_startup = false
modle = "x"

[mcp_servers.docs]
command = "docs-mcp"
enabled_tools = ["search"]

[mcp_servers.web]
url = "https://mcp.example.com"

[profiles.deep]
model_reasoning_effort = "high"

[analytics]
enabled = false
`)
	got, err := ReadCodexFile(path, envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	var ignored []string
	for _, e := range got.Ignored {
		ignored = append(ignored, strings.TrimPrefix(e.Error(), path))
	}
	want := []string{
		`:2: check_for_update_on_startup is a Codex setting kodex does not support (kodex does not check for updates); ignored`,
		`:3: unknown key "modle" (did you mean "model"?); ignored (--strict-config makes this an error)`,
		`:15: analytics is a Codex setting kodex does not support (kodex sends no telemetry); ignored`,
	}
	if diff := cmp.Diff(want, ignored); diff != "" {
		t.Errorf("ignored keys mismatch (-want +got):\n%s", diff)
	}
	if got.Invalid != nil {
		t.Errorf("Invalid = %v", got.Invalid)
	}
	if diff := cmp.Diff([]string{"docs", "web"}, got.MCPServers); diff != "" {
		t.Errorf("MCP servers mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"deep"}, got.Profiles); diff != "" {
		t.Errorf("profiles mismatch (-want +got):\n%s", diff)
	}

	writeFile(t, path, "sandbox_mode = \"workspace_write\"\n")
	got, err = ReadCodexFile(path, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got.Invalid == nil || !strings.Contains(got.Invalid.Error(), `unknown sandbox_mode "workspace_write"`) {
		t.Errorf("Invalid = %v, want the bad sandbox_mode", got.Invalid)
	}
	if _, err := ReadCodexFile(filepath.Join(t.TempDir(), "none.toml"), nil); err == nil {
		t.Error("a missing file is not an error")
	}
}
