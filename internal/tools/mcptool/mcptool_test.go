package mcptool

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

func TestQualifiedName(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	long := strings.Repeat("x", 80)
	tests := []struct{ server, tool, want string }{
		{"docs", "search", "mcp__docs__search"},
		{"my.server", "get sum/v2", "mcp__my_server__get_sum_v2"},
		{"s", long, ""},
	}
	for _, tt := range tests {
		got := QualifiedName(tt.server, tt.tool)
		if tt.want != "" && got != tt.want {
			t.Errorf("QualifiedName(%q, %q) = %q, want %q", tt.server, tt.tool, got, tt.want)
		}
		if len(got) > 64 || !valid.MatchString(got) {
			t.Errorf("QualifiedName(%q, %q) = %q: not a valid tool name", tt.server, tt.tool, got)
		}
	}
	if a, b := QualifiedName("s", long+"a"), QualifiedName("s", long+"b"); a == b {
		t.Errorf("two long names collide: %q", a)
	}
}

func TestSanitizeSchema(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", `{}`, `{"properties":{},"type":"object"}`},
		{"not an object", `{"type":"string"}`, `{"properties":{},"type":"object"}`},
		{"keeps the subset", `{"$schema":"x","type":"object","properties":{"a":{"type":"number","minimum":1,"description":"A"},"b":{"type":["string","null"],"format":"uri"},"c":{"enum":[1,2]},"d":{"type":"array"},"e":{"properties":{"f":{}}}},"required":["a"],"additionalProperties":false}`,
			`{"additionalProperties":false,"properties":{"a":{"description":"A","type":"number"},"b":{"type":"string"},"c":{"enum":[1,2],"type":"number"},"d":{"items":{"type":"string"},"type":"array"},"e":{"properties":{"f":{"type":"string"}},"type":"object"}},"required":["a"],"type":"object"}`},
	}
	for _, tt := range tests {
		if got := string(SanitizeSchema([]byte(tt.in))); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestResultForModel(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	res := &protocol.McpToolResult{
		Content: []json.RawMessage{
			raw(`{"type":"text","text":"hello"}`),
			raw(`{"type":"image","data":"AAAA","mimeType":"image/png"}`),
			raw(`{"type":"resource","resource":{"uri":"demo://a","mimeType":"text/plain","text":"body"}}`),
			raw(`{"type":"resource_link","uri":"demo://b","name":"b.txt","mimeType":"text/plain"}`),
		},
		IsError: true,
	}
	want := tools.Result{
		Output: "hello\n[image image/png: attached below]\nresource demo://a:\nbody\nresource link: demo://b (b.txt) text/plain",
		Images: []string{"data:image/png;base64,AAAA"},
		Failed: true,
	}
	if diff := cmp.Diff(want, ResultForModel(res)); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	res.StructuredContent, res.IsError = raw(`{"n":1}`), false
	want.Output, want.Failed = `{"n":1}`, false
	if diff := cmp.Diff(want, ResultForModel(res)); diff != "" {
		t.Errorf("structured result (-want +got):\n%s", diff)
	}
}

// TestResultForModelCut: a server answering megabytes is cut to the budget,
// head and tail kept, the model told how much is missing.
func TestResultForModelCut(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	text, err := json.Marshal(map[string]string{"type": "text", "text": b.String()})
	if err != nil {
		t.Fatal(err)
	}
	got := ResultForModel(&protocol.McpToolResult{Content: []json.RawMessage{text}}).Output
	if len(got) > MaxOutputBytes+100 {
		t.Fatalf("output is %d bytes, want about %d", len(got), MaxOutputBytes)
	}
	for _, want := range []string{"line 0\n", "line 99999\n", "bytes (", "omitted"} {
		if !strings.Contains(got, want) {
			t.Errorf("cut output lacks %q", want)
		}
	}
	small := ResultForModel(&protocol.McpToolResult{Content: []json.RawMessage{json.RawMessage(`{"type":"text","text":"short"}`)}}).Output
	if small != "short" {
		t.Errorf("a short result was changed: %q", small)
	}
}
