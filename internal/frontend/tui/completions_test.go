package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
)

func labels(items []popupItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.label)
	}
	return out
}

// The slash popup's commands: built-in ones by prefix, then the custom
// prompts and the MCP prompts; the built-in ones fuzzily when nothing
// starts with what was typed.
func TestCompletionsMatchCommands(t *testing.T) {
	t.Parallel()
	src := &completions{
		prompts: []prompts.Prompt{{Name: "mydraft", Description: "draft a PR"}, {Name: "model", Description: "pick"}},
		mcp:     &mcpPrompts{list: []MCPPrompt{{Server: "docs", Name: "summarize"}}},
	}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"prefix, built-in first", "m", []string{"/model", "/mention", "/mcp", "/mydraft", "/prompts:model", "/mcp__docs__summarize"}},
		{"a prompt a built-in shadows", "prompts:", []string{"/prompts:model"}},
		{"MCP prompts", "mcp__", []string{"/mcp__docs__summarize"}},
		{"fuzzy when no prefix", "rsm", []string{"/resume"}},
		{"fuzzy ranking", "rv", []string{"/review", "/approvals"}},
		{"no match", "zzqx", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, labels(src.matchCommands(tt.q))); diff != "" {
				t.Errorf("matchCommands(%q) mismatch (-want +got):\n%s", tt.q, diff)
			}
		})
	}
	all := src.matchCommands("")
	if n := len(commands()) + 2 + 1; len(all) != n {
		t.Errorf("matchCommands(\"\") gave %d items, want every command and prompt (%d)", len(all), n)
	}
	if got := (&completions{}).matchCommands("mo"); len(got) != 1 || got[0] != (popupItem{label: "/model", desc: commands()[0].desc}) {
		t.Errorf("without prompts: %+v", got)
	}
}

// The @ popup's files: fuzzy ranking, the first popupRows for a bare @, at
// most popupRows*4, and "indexing" until the index is listed.
func TestCompletionsMatchFiles(t *testing.T) {
	t.Parallel()
	many := make([]string, 50)
	for i := range many {
		many[i] = fmt.Sprintf("pkg/file%02d.go", i)
	}
	tests := []struct {
		name  string
		files []string
		q     string
		want  []string
	}{
		{"fuzzy ranking", []string{"README.md", "internal/frontend/tui/model.go", "internal/agent/turn.go"}, "tuimod", []string{"internal/frontend/tui/model.go"}},
		{"closer matches first", []string{"internal/agent/turn.go", "turn.go"}, "turn", []string{"turn.go", "internal/agent/turn.go"}},
		{"bare @ lists the first rows", many, "", many[:popupRows]},
		{"at most four pages", many, "file", many[:popupRows*4]},
		{"no match", []string{"README.md", "main.go"}, "qqqq", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &completions{files: &fileIndex{files: tt.files}}
			if diff := cmp.Diff(tt.want, labels(src.matchFiles(tt.q))); diff != "" {
				t.Errorf("matchFiles(%q) mismatch (-want +got):\n%s", tt.q, diff)
			}
		})
	}

	src := &completions{}
	indexing := []popupItem{{label: "…", desc: "indexing files"}}
	if diff := cmp.Diff(indexing, src.matchFiles("x"), cmp.AllowUnexported(popupItem{})); diff != "" {
		t.Errorf("before the index (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(indexing, src.matchFiles("x"), cmp.AllowUnexported(popupItem{})); diff != "" {
		t.Errorf("while indexing (-want +got):\n%s", diff)
	}
}

// The index is listed once the popup first asks for it, in the background,
// and listed again when a new @ finds it older than fileIndexTTL, so files
// created after start-up are found.
func TestCompletionsLoad(t *testing.T) {
	t.Parallel()
	clock := newClock()
	listing := "README.md\x00"
	src := &completions{ctx: context.Background(), dir: t.TempDir(), now: clock.now,
		git: func(context.Context, ...string) ([]byte, error) { return []byte(listing), nil }}
	listed := func(r any) filesListed {
		t.Helper()
		bg, ok := r.(background)
		if !ok {
			t.Fatalf("load gave %T, want background work", r)
		}
		l, ok := bg.cmd().(later)
		if !ok {
			t.Fatalf("the work did not return later")
		}
		return l.r.(filesListed)
	}

	if r := src.load(true); r != nil {
		t.Fatalf("listed before anything asked: %T", r)
	}
	src.matchFiles("")
	r := listed(src.load(false))
	if again := src.load(false); again != nil {
		t.Errorf("a second listing started while one runs")
	}
	src.keep(r)
	if diff := cmp.Diff([]string{"README.md"}, labels(src.matchFiles(""))); diff != "" {
		t.Errorf("after the listing (-want +got):\n%s", diff)
	}

	listing = "README.md\x00new.go\x00"
	if r := src.load(true); r != nil {
		t.Errorf("a fresh index is listed again")
	}
	clock.advance(fileIndexTTL + time.Second)
	if r := src.load(false); r != nil {
		t.Errorf("an @ popup already open lists again")
	}
	src.keep(listed(src.load(true)))
	if diff := cmp.Diff([]string{"new.go"}, labels(src.matchFiles("new"))); diff != "" {
		t.Errorf("a file created after start-up (-want +got):\n%s", diff)
	}
}
