package mcpserver

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// schema is the part of a JSON schema the comparison looks at.
type schema struct {
	Type                 string            `json:"type"`
	Properties           map[string]schema `json:"properties"`
	Required             []string          `json:"required"`
	Enum                 []string          `json:"enum"`
	AdditionalProperties any               `json:"additionalProperties"`
}

func decodeSchema(t *testing.T, v any) schema {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var s schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCodexToolShapes checks the tools against `codex mcp-server`'s, as
// Codex 0.153.4 lists them (testdata/codex-0.153-tools.json, its tools/list
// result): a client built for Codex's tools sends nothing kodex's refuse
// and reads the same result.
func TestCodexToolShapes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/codex-0.153-tools.json")
	if err != nil {
		t.Fatal(err)
	}
	var codex struct {
		Tools []struct {
			Name         string          `json:"name"`
			InputSchema  json.RawMessage `json:"inputSchema"`
			OutputSchema json.RawMessage `json:"outputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(b, &codex); err != nil {
		t.Fatal(err)
	}
	ours := map[string]*mcp.Tool{"codex": kodexTool(), "codex-reply": replyTool()}
	if len(codex.Tools) != len(ours) {
		t.Fatalf("Codex lists %d tools, kodex has %d", len(codex.Tools), len(ours))
	}
	for _, ct := range codex.Tools {
		kt := ours[ct.Name]
		if kt == nil {
			t.Errorf("Codex's tool %s has no kodex counterpart", ct.Name)
			continue
		}
		cin, kin := decodeSchema(t, ct.InputSchema), decodeSchema(t, kt.InputSchema)
		if !slices.Equal(cin.Required, kin.Required) || cin.AdditionalProperties != kin.AdditionalProperties {
			t.Errorf("%s: required %v, additionalProperties %v; Codex's %v, %v", kt.Name, kin.Required, kin.AdditionalProperties, cin.Required, cin.AdditionalProperties)
		}
		for name, cp := range cin.Properties {
			kp, ok := kin.Properties[name]
			if !ok {
				t.Errorf("%s lacks Codex's argument %q", kt.Name, name)
				continue
			}
			if kp.Type != cp.Type {
				t.Errorf("%s.%s is %s, Codex's %s", kt.Name, name, kp.Type, cp.Type)
			}
			for _, v := range cp.Enum {
				if !slices.Contains(kp.Enum, v) {
					t.Errorf("%s.%s does not accept Codex's %q (it takes %v)", kt.Name, name, v, kp.Enum)
				}
			}
		}
		if diff := cmp.Diff(decodeSchema(t, ct.OutputSchema), decodeSchema(t, kt.OutputSchema)); diff != "" {
			t.Errorf("%s output schema (-Codex +kodex):\n%s", kt.Name, diff)
		}
	}
}
