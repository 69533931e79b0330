package appserver

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// goTypes are the Go types kodex decodes params into and encodes results
// and notifications from, each with the definitions of kodex's schema it
// stands for (a type shared by several methods: a member must be in one
// of them). item (a map, one per ThreadItem kind) and threadStatus (its
// own MarshalJSON) are checked by test/appserver's validation instead.
func goTypes() []struct {
	v    any
	defs []string
} {
	return []struct {
		v    any
		defs []string
	}{
		{initializeParams{}, []string{"InitializeParams"}},
		{clientInfo{}, []string{"ClientInfo"}},
		{initializeResponse{}, []string{"InitializeResponse"}},
		{kodexInfo{}, []string{"KodexInfo"}},
		{threadParams{}, []string{"ThreadStartParams", "ThreadResumeParams", "ThreadForkParams"}},
		{threadResponse{}, []string{"ThreadStartResponse", "ThreadResumeResponse", "ThreadForkResponse"}},
		{thread{}, []string{"Thread"}},
		{sandboxPolicy{}, []string{"SandboxPolicy"}},
		{turn{}, []string{"Turn"}},
		{turnError{}, []string{"TurnError"}},
		{userInput{}, []string{"UserInput"}},
		{turnStartParams{}, []string{"TurnStartParams"}},
		{sandboxPolicyParam{}, []string{"SandboxPolicy"}},
		{turnSteerParams{}, []string{"TurnSteerParams"}},
		{threadListParams{}, []string{"ThreadListParams"}},
		{threadIDParams{}, []string{"ThreadReadParams", "ThreadArchiveParams", "ThreadUnarchiveParams", "ThreadDeleteParams", "ThreadSetNameParams", "ThreadCompactStartParams", "ThreadUnsubscribeParams", "TurnInterruptParams"}},
		{fuzzyFileSearchParams{}, []string{"FuzzyFileSearchParams"}},
		{fuzzyFileSearchResult{}, []string{"FuzzyFileSearchResult"}},
		{mcpServerStatusParams{}, []string{"ListMcpServerStatusParams"}},
		{tokenUsageBreakdown{}, []string{"TokenUsageBreakdown"}},
		{itemNote{}, []string{"ItemStartedNotification", "ItemCompletedNotification"}},
		{deltaNote{}, []string{"AgentMessageDeltaNotification", "ReasoningSummaryTextDeltaNotification", "CommandExecutionOutputDeltaNotification"}},
		{terminalNote{}, []string{"TerminalInteractionNotification"}},
		{turnNote{}, []string{"TurnStartedNotification", "TurnCompletedNotification"}},
		{errorNote{}, []string{"ErrorNotification"}},
		{statusNote{}, []string{"ThreadStatusChangedNotification"}},
	}
}

// TestGoTypesInSchema: every JSON member of those Go types is a property
// of a definition it stands for in the schema kodex ships
// (schema/kodex_app_server.schema.json, what generate-json-schema and
// generate-ts write): a member added to a Go type without the schema
// naming it fails here (test/appserver's TestGeneratedSchema makes the
// schema: Codex's definitions plus kodex's additions).
func TestGoTypesInSchema(t *testing.T) {
	t.Parallel()
	b, err := generated.ReadFile("schema/" + SchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range goTypes() {
		typ := reflect.TypeOf(tt.v)
		known := map[string]bool{}
		for _, d := range tt.defs {
			def, ok := doc.Definitions[d]
			if !ok {
				t.Errorf("%s: the schema has no definition %s", typ.Name(), d)
				continue
			}
			properties(def, doc.Definitions, known, map[string]bool{})
		}
		for _, member := range jsonMembers(typ) {
			if !known[member] {
				t.Errorf("%s.%s is in no schema definition it stands for (%s): add it to kodex's schema (test/appserver/generate_test.go) and regenerate", typ.Name(), member, strings.Join(tt.defs, ", "))
			}
		}
	}
}

// properties adds the property names of a schema node to known, through
// $ref and the allOf / anyOf / oneOf branches.
func properties(node any, defs map[string]any, known, seen map[string]bool) {
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	if r, ok := m["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/definitions/")
		if !seen[name] {
			seen[name] = true
			properties(defs[name], defs, known, seen)
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k := range props {
			known[k] = true
		}
	}
	for _, comb := range []string{"allOf", "anyOf", "oneOf"} {
		branches, _ := m[comb].([]any)
		for _, br := range branches {
			properties(br, defs, known, seen)
		}
	}
}

// jsonMembers are the member names encoding/json uses for a struct type's
// fields, sorted (those tagged "-" left out).
func jsonMembers(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return slices.Compact(out)
}
