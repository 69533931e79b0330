package cli

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/frontend/mcpserver"
)

func TestMCPCallOptions(t *testing.T) {
	t.Parallel()
	base := &GlobalOptions{Model: "server-model", Overrides: []string{"a=1"}, FullAuto: true}
	var config map[string]any
	if err := json.Unmarshal([]byte(`{"model_reasoning_effort":"high","sandbox_workspace_write":{"network_access":true,"writable_roots":["/x","/y"]},"model_max_output_tokens":4096,"t":1.5}`), &config); err != nil {
		t.Fatal(err)
	}
	g, err := mcpCallOptions(base, mcpserver.Params{
		Prompt: "p", Model: "call-model", Profile: "fast", Cwd: "sub", ApprovalPolicy: "on-request", Sandbox: "read-only",
		Config: config, DeveloperInstructions: "be \"brief\"\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &GlobalOptions{
		Model: "call-model", Profile: "fast", Cd: "sub", Approval: "on-request", Sandbox: "read-only", FullAuto: true,
		Overrides: []string{
			"a=1",
			`model_max_output_tokens=4096`,
			`model_reasoning_effort="high"`,
			`sandbox_workspace_write={"network_access" = true, "writable_roots" = ["/x", "/y"]}`,
			`t=1.5`,
			`developer_instructions="be \"brief\"\n"`,
		},
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a=1"}, base.Overrides); diff != "" {
		t.Errorf("the server's options changed (-want +got):\n%s", diff)
	}
	if _, err := mcpCallOptions(base, mcpserver.Params{Config: map[string]any{"model": nil}}); err == nil {
		t.Error("a null config value was accepted")
	}
}

func TestNewCmdMCPServer(t *testing.T) {
	t.Parallel()
	f := NewFactory()
	f.IO = &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	root, g := newRoot(f, nil)
	var got *MCPServerOptions
	for _, c := range root.Commands() {
		if c.Name() == "mcp-server" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(NewCmdMCPServer(f, g, func(_ context.Context, o *MCPServerOptions) error { got = o; return nil }))
	root.SetArgs([]string{"mcp-server", "--full-auto", "-c", "model=x"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.Global.FullAuto || !cmp.Equal(got.Global.Overrides, []string{"model=x"}) {
		t.Errorf("options = %+v", got)
	}
	root.SetArgs([]string{"mcp-server", "extra"})
	if err := root.ExecuteContext(context.Background()); err == nil {
		t.Error("mcp-server accepted an argument")
	}
}
