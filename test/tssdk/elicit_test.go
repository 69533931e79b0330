package tssdk_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestElicitation runs elicit.mjs: a real MCP server's form
// (server-everything's trigger-elicitation-request) reaches onElicitation,
// whose answer goes back through kodex to the server, whose result the
// model gets. Then it checks, request by request, what the model got, and
// that every answer the SDK sent kodex is a response (no error) in the
// shape kodex reads and Codex's McpServerElicitationRequestResponse has,
// accepted content following the form's schema.
func TestElicitation(t *testing.T) {
	t.Parallel()
	everything := everythingPath(t)
	tool := modeltest.Calls(modeltest.FunctionCall("mcp__ev__trigger-elicitation-request", "{}"))
	e := newEnv(t,
		tool, modeltest.Text("accepted then"),
		tool, modeltest.Text("declined by default"),
		tool, modeltest.Text("cancelled then"),
		tool, modeltest.Text("declined after a throw"),
		tool, modeltest.Text("declined after a bad answer"),
	)
	src, err := os.ReadFile(filepath.Join(fx.here, "elicit.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	writeApp(t, "elicit.mjs", string(src))
	wire := filepath.Join(e.home, "stdin.jsonl")
	wrapper := filepath.Join(e.home, "kodex")
	script := fmt.Sprintf("#!/bin/sh\ntee -a '%s' | '%s' \"$@\"\n", wire, filepath.Join(fx.binDir, "kodex"))
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil { //nolint:gosec // an executable script
		t.Fatal(err)
	}
	e.extra = append(e.extra, "EVERYTHING="+everything, "KODEX_WRAPPER="+wrapper)

	out := e.node(t, "elicit.mjs")
	var got struct {
		Schema map[string]any `json:"schema"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &got); err != nil {
		t.Fatalf("decoding elicit.mjs output: %v\n%s", err, out)
	}

	// What the model got back from each tool call.
	reqs := e.srv.Requests()
	if len(reqs) != 10 {
		t.Fatalf("the model received %d requests, want 10", len(reqs))
	}
	for i, want := range []string{"- Name: Ada Lovelace\n- Favorite Integer: 7", "declined", "cancelled", "declined", "declined"} {
		if out := reqs[2*i+1].LastToolOutput(); !strings.Contains(out, want) {
			t.Errorf("request %d's tool output = %q, want it to contain %q", 2*i+2, out, want)
		}
	}

	// What the SDK answered.
	answers := wireAnswers(t, wire)
	var results []map[string]any
	for _, a := range answers {
		results = append(results, checkFormAnswer(t, a, got.Schema))
	}
	want := []map[string]any{
		{"action": "accept", "content": map[string]any{"name": "Ada Lovelace", "integer": float64(7)}},
		{"action": "decline"},
		{"action": "cancel"},
		{"action": "decline"},
		{"action": "decline"},
	}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("the SDK's answers to the forms (-want +got):\n%s", diff)
	}
}

// everythingPath is server-everything's index.js (test/mcp's pinned npm
// packages): an MCP server whose trigger-elicitation-request tool asks for
// a form.
func everythingPath(t *testing.T) string {
	t.Helper()
	p := filepath.Join(fx.root, "test", "mcp", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("server-everything is not installed in test/mcp/node_modules (%v): %s", err, depsHint)
	}
	return p
}

// addEverything configures server-everything as MCP server "everything" in
// the test's config.toml.
func (e *env) addEverything(t *testing.T) {
	t.Helper()
	cfg := filepath.Join(e.kodexHome, "config.toml")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(f, "\n[mcp_servers.everything]\ncommand = \"node\"\nargs = [%q, \"stdio\"]\n", everythingPath(t))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// wireAnswers returns the responses in the log of what the SDK sent kodex
// (here kodex's only requests are forms).
func wireAnswers(t *testing.T, log string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("the SDK sent a line that is not JSON: %q", sc.Text())
		}
		if _, ok := m["method"]; !ok {
			out = append(out, m)
		}
	}
	return out
}

// checkFormAnswer checks a JSON-RPC response to mcpServer/elicitation/request
// and returns its result: {action, content?} (kodex reads these; Codex's
// McpServerElicitationRequestResponse also allows _meta, which the SDK
// does not send), content only when accepted, and then an object of the
// form's fields with values of their types.
func checkFormAnswer(t *testing.T, msg, schema map[string]any) map[string]any {
	t.Helper()
	if msg["jsonrpc"] != "2.0" || msg["error"] != nil {
		t.Errorf("answer to a form is not a JSON-RPC 2.0 result: %v", msg)
	}
	res, _ := msg["result"].(map[string]any)
	for k := range res {
		if k != "action" && k != "content" {
			t.Errorf("answer to a form has member %q: %v", k, res)
		}
	}
	action, _ := res["action"].(string)
	if !slices.Contains([]string{"accept", "decline", "cancel"}, action) {
		t.Errorf("answer to a form has action %v", res["action"])
	}
	content, hasContent := res["content"]
	if action != "accept" {
		if hasContent {
			t.Errorf("a %s has content: %v", action, res)
		}
		return res
	}
	fields, ok := content.(map[string]any)
	if !ok {
		t.Errorf("accepted content is not an object: %v", res)
		return res
	}
	props, _ := schema["properties"].(map[string]any)
	required, _ := schema["required"].([]any)
	for _, r := range required {
		if _, ok := fields[r.(string)]; !ok {
			t.Errorf("accepted content lacks the required field %v: %v", r, fields)
		}
	}
	for name, v := range fields {
		p, _ := props[name].(map[string]any)
		if p == nil {
			t.Errorf("accepted content has %q, not a field of the form", name)
			continue
		}
		if !hasType(v, p["type"]) {
			t.Errorf("accepted content's %s = %v, want a %v", name, v, p["type"])
		}
	}
	return res
}

// hasType reports whether v (decoded JSON) is of JSON Schema type typ.
func hasType(v, typ any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}
