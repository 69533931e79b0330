package appserver_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite kodex's generated schema and TypeScript types")

// The methods kodex implements, with the v2 definitions of their params
// and results (Codex's names); the notifications and server requests it
// sends. kodex's schema is this subset of Codex 0.169's, closed over its
// $refs, plus kodex's own additions.
var (
	schemaMethods = [][3]string{ //nolint:gochecknoglobals // a table
		{"initialize", "InitializeParams", "InitializeResponse"},
		{"thread/start", "ThreadStartParams", "ThreadStartResponse"},
		{"thread/resume", "ThreadResumeParams", "ThreadResumeResponse"},
		{"thread/fork", "ThreadForkParams", "ThreadForkResponse"},
		{"thread/list", "ThreadListParams", "ThreadListResponse"},
		{"thread/read", "ThreadReadParams", "ThreadReadResponse"},
		{"thread/archive", "ThreadArchiveParams", "ThreadArchiveResponse"},
		{"thread/unarchive", "ThreadUnarchiveParams", "ThreadUnarchiveResponse"},
		{"thread/delete", "ThreadDeleteParams", "ThreadDeleteResponse"},
		{"thread/name/set", "ThreadSetNameParams", "ThreadSetNameResponse"},
		{"thread/compact/start", "ThreadCompactStartParams", "ThreadCompactStartResponse"},
		{"thread/loaded/list", "ThreadLoadedListParams", "ThreadLoadedListResponse"},
		{"thread/unsubscribe", "ThreadUnsubscribeParams", "ThreadUnsubscribeResponse"},
		{"turn/start", "TurnStartParams", "TurnStartResponse"},
		{"turn/steer", "TurnSteerParams", "TurnSteerResponse"},
		{"turn/interrupt", "TurnInterruptParams", "TurnInterruptResponse"},
		{"model/list", "ModelListParams", "ModelListResponse"},
		{"config/read", "ConfigReadParams", "ConfigReadResponse"},
		{"fuzzyFileSearch", "FuzzyFileSearchParams", "KodexFuzzyFileSearchResponse"},
		{"mcpServerStatus/list", "ListMcpServerStatusParams", "ListMcpServerStatusResponse"},
		{"account/read", "GetAccountParams", "GetAccountResponse"},
		{"configRequirements/read", "", "ConfigRequirementsReadResponse"},
		{"hooks/list", "HooksListParams", "HooksListResponse"},
		{"skills/list", "SkillsListParams", "SkillsListResponse"},
	}
	schemaNotifications = []string{ //nolint:gochecknoglobals // a table
		"thread/started", "thread/status/changed", "thread/archived", "thread/unarchived", "thread/deleted",
		"thread/closed", "thread/name/updated", "thread/tokenUsage/updated", "turn/started", "turn/completed",
		"turn/diff/updated", "turn/plan/updated", "item/started", "item/completed", "item/agentMessage/delta",
		"item/reasoning/summaryTextDelta", "item/commandExecution/outputDelta", "item/commandExecution/terminalInteraction", "serverRequest/resolved",
		"error", "warning", "mcpServer/startupStatus/updated",
	}
	schemaRequests = []string{"item/commandExecution/requestApproval", "item/fileChange/requestApproval"} //nolint:gochecknoglobals // a table
)

// kodexDefinitions are kodex's own additions to Codex's definitions.
func kodexDefinitions() map[string]any {
	return map[string]any{
		"KodexInfo": map[string]any{
			"description": "kodex's own member of initialize's result: its version, the protocol version (additive changes keep it) and the methods this server implements.",
			"type":        "object",
			"required":    []any{"version", "protocolVersion", "methods"},
			"properties": map[string]any{
				"version":         map[string]any{"type": "string"},
				"protocolVersion": map[string]any{"type": "integer"},
				"methods":         map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			},
		},
		"KodexFuzzyFileSearchResponse": map[string]any{
			"type":       "object",
			"required":   []any{"files"},
			"properties": map[string]any{"files": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/FuzzyFileSearchResult"}}},
		},
	}
}

func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "codex-0.169", name))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// buildSchema is kodex's schema document.
func buildSchema(t *testing.T) map[string]any {
	t.Helper()
	all, _ := readJSON(t, "codex_app_server_protocol.v2.schemas.json")["definitions"].(map[string]any)
	for _, f := range []string{"InitializeParams.json", "InitializeResponse.json"} {
		d := readJSON(t, f)
		name := strings.TrimSuffix(f, ".json")
		for k, v := range d["definitions"].(map[string]any) {
			all[k] = v
		}
		delete(d, "definitions")
		all[name] = d
	}
	for _, f := range []string{"ServerRequest.json", "ServerNotification.json"} {
		for k, v := range readJSON(t, f)["definitions"].(map[string]any) {
			if _, ok := all[k]; !ok {
				all[k] = v
			}
		}
	}
	for k, v := range kodexDefinitions() {
		all[k] = v
	}
	// initialize's result carries kodex's member.
	ir := all["InitializeResponse"].(map[string]any)
	ir["properties"].(map[string]any)["kodex"] = map[string]any{"$ref": "#/definitions/KodexInfo"}
	// turn/start takes a sandbox mode as thread/start does (kodex's
	// turnStartParams; internal/frontend/appserver's TestGoTypesInSchema
	// fails on a Go member no definition names).
	tp := all["TurnStartParams"].(map[string]any)
	tp["properties"].(map[string]any)["sandbox"] = map[string]any{
		"description": "kodex's addition: the sandbox mode for this turn and subsequent turns, as thread/start's sandbox (sandboxPolicy, if set, wins).",
		"anyOf":       []any{ref("SandboxMode"), map[string]any{"type": "null"}},
	}

	methods := map[string]any{}
	var roots []string
	for _, m := range schemaMethods {
		entry := map[string]any{"result": ref(m[2])}
		roots = append(roots, m[2])
		if m[1] != "" {
			entry["params"] = ref(m[1])
			roots = append(roots, m[1])
		}
		methods[m[0]] = entry
	}
	notes := map[string]any{}
	for _, n := range schemaNotifications {
		def := paramsDef(t, "ServerNotification.json", n)
		notes[n] = map[string]any{"params": ref(def)}
		roots = append(roots, def)
	}
	reqs := map[string]any{}
	for _, n := range schemaRequests {
		def := paramsDef(t, "ServerRequest.json", n)
		reqs[n] = map[string]any{"params": ref(def)}
		roots = append(roots, def)
	}
	defs := map[string]any{}
	var visit func(name string)
	visit = func(name string) {
		if _, done := defs[name]; done {
			return
		}
		d, ok := all[name].(map[string]any)
		if !ok {
			t.Fatalf("no definition %s", name)
		}
		d = clean(d).(map[string]any)
		defs[name] = d
		for _, r := range refs(d) {
			visit(r)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return map[string]any{
		"$schema":        "http://json-schema.org/draft-07/schema#",
		"title":          "kodex app-server protocol",
		"description":    "The methods, notifications and server requests kodex app-server implements: Codex 0.169's app-server v2 shapes, plus kodex's additions (KodexInfo). See docs/protocol.md.",
		"version":        1,
		"methods":        methods,
		"notifications":  notes,
		"serverRequests": reqs,
		"definitions":    defs,
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/definitions/" + name} }

// paramsDef is the params definition of method in a Codex oneOf file.
func paramsDef(t *testing.T, file, method string) string {
	t.Helper()
	for _, b := range readJSON(t, file)["oneOf"].([]any) {
		props := b.(map[string]any)["properties"].(map[string]any)
		if props["method"].(map[string]any)["enum"].([]any)[0] == method {
			r := props["params"].(map[string]any)["$ref"].(string)
			return strings.TrimPrefix(r, "#/definitions/")
		}
	}
	t.Fatalf("%s has no %s", file, method)
	return ""
}

// clean drops the per-file $schema members and keeps the rest.
func clean(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if k != "$schema" {
				out[k] = clean(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clean(x)
		}
		return out
	}
	return v
}

func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			out = append(out, strings.TrimPrefix(r, "#/definitions/"))
		}
		for _, x := range v {
			out = append(out, refs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, refs(x)...)
		}
	}
	return out
}

// typeScript renders the schema's definitions and method tables as
// TypeScript declarations.
func typeScript(doc map[string]any) string {
	var b strings.Builder
	b.WriteString("// kodex app-server protocol types, generated from kodex's JSON Schema\n")
	b.WriteString("// (kodex app-server generate-ts). Do not edit.\n\n")
	defs := doc["definitions"].(map[string]any)
	names := make([]string, 0, len(defs))
	for k := range defs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		d := defs[n].(map[string]any)
		if desc, ok := d["description"].(string); ok {
			b.WriteString("/** " + strings.ReplaceAll(desc, "*/", "* /") + " */\n")
		}
		fmt.Fprintf(&b, "export type %s = %s;\n\n", n, tsType(d, ""))
	}
	for _, table := range []struct{ name, key string }{{"Methods", "methods"}, {"Notifications", "notifications"}, {"ServerRequests", "serverRequests"}} {
		m := doc[table.key].(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "export interface %s {\n", table.name)
		for _, k := range keys {
			e := m[k].(map[string]any)
			fmt.Fprintf(&b, "  %q: {", k)
			var parts []string
			for _, f := range []string{"params", "result"} {
				if r, ok := e[f].(map[string]any); ok {
					parts = append(parts, fmt.Sprintf(" %s: %s;", f, tsType(r, "  ")))
				}
			}
			b.WriteString(strings.Join(parts, "") + " };\n")
		}
		b.WriteString("}\n\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func tsType(s any, indent string) string {
	m, ok := s.(map[string]any)
	if !ok {
		if s == true {
			return "unknown"
		}
		return "never"
	}
	if r, ok := m["$ref"].(string); ok {
		return strings.TrimPrefix(r, "#/definitions/")
	}
	if e, ok := m["enum"].([]any); ok {
		var parts []string
		for _, x := range e {
			j, _ := json.Marshal(x)
			parts = append(parts, string(j))
		}
		return strings.Join(parts, " | ")
	}
	for _, comb := range []string{"oneOf", "anyOf"} {
		if alts, ok := m[comb].([]any); ok {
			var parts []string
			for _, a := range alts {
				parts = append(parts, paren(tsType(merge(m, a, comb), indent)))
			}
			return strings.Join(dedupe(parts), " | ")
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		var parts []string
		for _, a := range all {
			parts = append(parts, paren(tsType(a, indent)))
		}
		if _, hasProps := m["properties"]; hasProps {
			rest := map[string]any{}
			for k, v := range m {
				if k != "allOf" {
					rest[k] = v
				}
			}
			parts = append(parts, tsType(rest, indent))
		}
		return strings.Join(parts, " & ")
	}
	var types []string
	switch t := m["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	if len(types) == 0 {
		if _, ok := m["properties"]; ok {
			types = []string{"object"}
		} else {
			return "unknown"
		}
	}
	var parts []string
	for _, t := range types {
		switch t {
		case "string":
			parts = append(parts, "string")
		case "integer", "number":
			parts = append(parts, "number")
		case "boolean":
			parts = append(parts, "boolean")
		case "null":
			parts = append(parts, "null")
		case "array":
			item := "unknown"
			if it, ok := m["items"]; ok {
				item = tsType(it, indent)
			}
			parts = append(parts, paren(item)+"[]")
		case "object":
			parts = append(parts, tsObject(m, indent))
		}
	}
	return strings.Join(parts, " | ")
}

// merge applies a oneOf/anyOf branch to the schema around it (Codex's
// branches often share the parent's properties).
func merge(parent map[string]any, branch any, comb string) any {
	b, ok := branch.(map[string]any)
	if !ok {
		return branch
	}
	if _, has := parent["properties"]; !has {
		return b
	}
	out := map[string]any{}
	for k, v := range parent {
		if k != comb {
			out[k] = v
		}
	}
	props := map[string]any{}
	for k, v := range parent["properties"].(map[string]any) {
		props[k] = v
	}
	if bp, ok := b["properties"].(map[string]any); ok {
		for k, v := range bp {
			props[k] = v
		}
	}
	out["properties"] = props
	req := slices.Clone(asStrings(parent["required"]))
	req = append(req, asStrings(b["required"])...)
	out["required"] = toAny(req)
	return out
}

func asStrings(v any) []string {
	var out []string
	a, _ := v.([]any)
	for _, x := range a {
		out = append(out, x.(string))
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func tsObject(m map[string]any, indent string) string {
	props, _ := m["properties"].(map[string]any)
	req := asStrings(m["required"])
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{\n")
	for _, k := range keys {
		opt := "?"
		if slices.Contains(req, k) {
			opt = ""
		}
		name := k
		if strings.ContainsAny(k, "-/ .") {
			name = fmt.Sprintf("%q", k)
		}
		fmt.Fprintf(&b, "%s  %s%s: %s;\n", indent, name, opt, tsType(props[k], indent+"  "))
	}
	switch ap := m["additionalProperties"].(type) {
	case map[string]any:
		fmt.Fprintf(&b, "%s  [key: string]: %s;\n", indent, tsType(ap, indent+"  "))
	case bool:
		if ap && len(keys) == 0 {
			fmt.Fprintf(&b, "%s  [key: string]: unknown;\n", indent)
		}
	}
	b.WriteString(indent + "}")
	if len(keys) == 0 && b.Len() == len("{\n"+indent+"}") {
		return "Record<string, unknown>"
	}
	return b.String()
}

func paren(s string) string {
	if strings.ContainsAny(s, "|&") && !strings.HasPrefix(s, "{") {
		return "(" + s + ")"
	}
	return s
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestGeneratedSchema: the schema and TypeScript types kodex ships
// (internal/frontend/appserver/schema, written out by `kodex app-server
// generate-json-schema` and `generate-ts`) are what this generator makes
// of Codex's schema and the method tables above; go test -update rewrites
// them.
func TestGeneratedSchema(t *testing.T) {
	t.Parallel()
	doc := buildSchema(t)
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	js = append(js, '\n')
	ts := []byte(typeScript(doc))
	dir := filepath.Join("..", "..", "internal", "frontend", "appserver", "schema")
	for name, want := range map[string][]byte{"kodex_app_server.schema.json": js, "kodex_app_server.d.ts": ts} {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil { //nolint:gosec // a checked-in source file
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator makes (err %v); run go test ./test/appserver -run TestGeneratedSchema -update", path, err)
		}
	}
	// Every method the server implements is in the schema.
	methods := doc["methods"].(map[string]any)
	for _, m := range []string{"initialize", "thread/start", "turn/start", "turn/steer", "fuzzyFileSearch"} {
		if methods[m] == nil {
			t.Errorf("the schema lacks %s", m)
		}
	}
}
