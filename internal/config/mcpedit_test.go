package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddRemoveMCPServer(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	orig := `# my settings
model = "o3" # the best

# docs server
[mcp_servers.docs]
command = "docs-mcp"

[mcp_servers.docs.env]
TOKEN = "x"

# the web one
[mcp_servers.web]
url = "https://example.com/mcp"
`
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := AddMCPServer(home, "fs", NewMCPServer{Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/tmp dir"}, Env: map[string]string{"A B": "1", "Z": "\"q\""}})
	if err != nil || string(old) != orig {
		t.Fatalf("add: %v", err)
	}
	if _, err := AddMCPServer(home, "fs", NewMCPServer{Command: "x"}); err == nil || !strings.Contains(err.Error(), "already defines") {
		t.Errorf("adding twice: %v", err)
	}
	if _, err := AddMCPServer(home, "bad.name", NewMCPServer{Command: "x"}); err == nil {
		t.Error("a bad name was accepted")
	}
	if _, err := AddMCPServer(home, "remote", NewMCPServer{URL: "http://127.0.0.1:1/mcp", BearerTokenEnvVar: "TOK"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := orig + `
[mcp_servers.fs]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/tmp dir"]
env = { "A B" = "1", Z = "\"q\"" }

[mcp_servers.remote]
url = "http://127.0.0.1:1/mcp"
bearer_token_env_var = "TOK"
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Fatalf("after add (-want +got):\n%s", diff)
	}
	if _, found, err := RemoveMCPServer(home, "docs"); err != nil || !found {
		t.Fatalf("remove docs: %v %v", found, err)
	}
	if _, found, err := RemoveMCPServer(home, "remote"); err != nil || !found {
		t.Fatalf("remove remote: %v %v", found, err)
	}
	if _, found, err := RemoveMCPServer(home, "nope"); err != nil || found {
		t.Errorf("remove nope: %v %v", found, err)
	}
	got, _ = os.ReadFile(path)
	want = `# my settings
model = "o3" # the best

# the web one
[mcp_servers.web]
url = "https://example.com/mcp"

[mcp_servers.fs]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/tmp dir"]
env = { "A B" = "1", Z = "\"q\"" }
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("after remove (-want +got):\n%s", diff)
	}
}

func TestRemoveMCPServerElsewhere(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("[mcp_servers]\ndocs.command = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := RemoveMCPServer(home, "docs"); err == nil || !strings.Contains(err.Error(), "by hand") {
		t.Errorf("err = %v", err)
	}
}
