package acp

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestDiffs(t *testing.T) {
	t.Parallel()
	changes := []protocol.FileChange{
		{Path: "/w/a.go", Kind: protocol.ChangeUpdate, UnifiedDiff: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -10,2 +10,3 @@\n x\n+y\n z\n\\ No newline at end of file\n"},
		{Path: "/w/new.txt", Kind: protocol.ChangeAdd, UnifiedDiff: "@@ -0,0 +1,2 @@\n+hello\n+world\n"},
		{Path: "/w/gone.txt", Kind: protocol.ChangeDelete, UnifiedDiff: "@@ -1 +0,0 @@\n-bye\n"},
		{Path: "/w/old.txt", Kind: protocol.ChangeUpdate, MovePath: "/w/moved.txt", UnifiedDiff: "@@ -1 +1 @@\n-1\n+2\n"},
	}
	want := []any{
		map[string]any{"type": "diff", "path": "/w/a.go", "oldText": "a\nb\nc\n", "newText": "a\nB\nc\n"},
		map[string]any{"type": "diff", "path": "/w/a.go", "oldText": "x\nz\n", "newText": "x\ny\nz\n"},
		map[string]any{"type": "diff", "path": "/w/new.txt", "oldText": nil, "newText": "hello\nworld\n"},
		map[string]any{"type": "diff", "path": "/w/gone.txt", "oldText": "bye\n", "newText": ""},
		map[string]any{"type": "diff", "path": "/w/moved.txt", "oldText": "1\n", "newText": "2\n"},
	}
	if diff := cmp.Diff(want, diffs(changes)); diff != "" {
		t.Errorf("diffs (-want +got):\n%s", diff)
	}
}

func TestPatchCallKindAndTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		changes          []protocol.FileChange
		wantKind, wantTi string
	}{
		{"update", []protocol.FileChange{{Path: "/w/a.go", Kind: protocol.ChangeUpdate}}, "edit", "Edit a.go"},
		{"delete", []protocol.FileChange{{Path: "/w/a.go", Kind: protocol.ChangeDelete}}, "delete", "Edit a.go"},
		{"move", []protocol.FileChange{{Path: "/w/a.go", Kind: protocol.ChangeUpdate, MovePath: "/w/b.go"}}, "move", "Edit b.go"},
		{"many", []protocol.FileChange{{Path: "/1"}, {Path: "/2"}, {Path: "/3"}, {Path: "/4"}}, "edit", "Edit 4 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tc := patchCall("c", tt.changes, "pending")
			if tc.Kind != tt.wantKind || tc.Title != tt.wantTi {
				t.Errorf("kind, title = %q, %q; want %q, %q", tc.Kind, tc.Title, tt.wantKind, tt.wantTi)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv              []string
		wantTitle, wantKd string
	}{
		{[]string{"bash", "-lc", "cat a.txt"}, "cat a.txt", "read"},
		{[]string{"bash", "-lc", "rg foo | head"}, "rg foo | head", "execute"},
		{[]string{"rg", "-n", "two words"}, "rg -n 'two words'", "search"},
		{[]string{"/bin/sh", "-c", "go test ./..."}, "go test ./...", "execute"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`, "execute"},
	}
	for _, tt := range tests {
		if got := commandTitle(tt.argv); got != tt.wantTitle {
			t.Errorf("commandTitle(%q) = %q, want %q", tt.argv, got, tt.wantTitle)
		}
		if got := commandKind(tt.argv); got != tt.wantKd {
			t.Errorf("commandKind(%q) = %q, want %q", tt.argv, got, tt.wantKd)
		}
	}
}

func TestDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		prefix bool // a prefix rule was offered
		want   protocol.ReviewDecision
	}{
		{`{"outcome":"selected","optionId":"allow"}`, false, protocol.DecisionApproved},
		{`{"outcome":"selected","optionId":"allow_always"}`, false, protocol.DecisionApprovedForSession},
		{`{"outcome":"selected","optionId":"allow_prefix"}`, true, protocol.DecisionApprovedPrefixRule},
		{`{"outcome":"selected","optionId":"allow_prefix"}`, false, protocol.DecisionDenied}, // not offered
		{`{"outcome":"selected","optionId":"reject"}`, false, protocol.DecisionDenied},
		{`{"outcome":"selected","optionId":"whatever"}`, false, protocol.DecisionDenied},
		{`{"outcome":"cancelled"}`, false, protocol.DecisionAbort},
		{`"allow"`, false, protocol.DecisionDenied},
	}
	for _, tt := range tests {
		if got := decision(json.RawMessage(tt.in), tt.prefix); got != tt.want {
			t.Errorf("decision(%s, prefix offered %v) = %q, want %q", tt.in, tt.prefix, got, tt.want)
		}
	}
	// Every option offered maps to a decision other than a denial, but
	// reject; the prefix rule is offered only with a proposal.
	for _, prefix := range [][]string{nil, {"npm", "test"}} {
		var ids []string
		for _, o := range permissionOptions(prefix) {
			id := o.(map[string]any)["optionId"].(string)
			ids = append(ids, id)
			got := decision(json.RawMessage(`{"outcome":"selected","optionId":"`+id+`"}`), len(prefix) > 0)
			if (got == protocol.DecisionDenied) != (id == optionReject) {
				t.Errorf("option %q decides %q", id, got)
			}
		}
		if offered := slices.Contains(ids, optionAllowPrefix); offered != (len(prefix) > 0) {
			t.Errorf("with prefix %q the options are %v", prefix, ids)
		}
	}
	if name := permissionOptions([]string{"npm", "test"})[2].(map[string]any)["name"]; name != "Always Allow Commands Starting With npm test" {
		t.Errorf("the prefix option reads %q", name)
	}
}

func TestPromptInput(t *testing.T) {
	t.Parallel()
	text := "package main\n"
	got, err := promptInput([]contentBlock{
		{Type: "text", Text: "look"},
		{Type: "image", MimeType: "image/png", Data: "iVBO"},
		{Type: "resource_link", URI: "file:///w/a.go", Name: "a.go"},
		{Type: "resource", Resource: &struct {
			URI  string  `json:"uri"`
			Text *string `json:"text"`
		}{URI: "file:///w/b.go", Text: &text}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []protocol.InputItem{
		{Type: protocol.InputText, Text: "look"},
		{Type: protocol.InputImage, ImageURL: "data:image/png;base64,iVBO"},
		{Type: protocol.InputText, Text: "[@a.go](file:///w/a.go)"},
		{Type: protocol.InputText, Text: "<context ref=\"file:///w/b.go\">\npackage main\n\n</context>"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("promptInput (-want +got):\n%s", diff)
	}
	for _, bad := range [][]contentBlock{nil, {{Type: "audio"}}, {{Type: "image", MimeType: "text/plain", Data: "x"}}, {{Type: "resource"}}} {
		if _, err := promptInput(bad); err == nil {
			t.Errorf("promptInput(%+v) = nil error", bad)
		}
	}
}

func TestModes(t *testing.T) {
	t.Parallel()
	if got := modeOf(protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite); got != "auto" {
		t.Errorf("workspace-write, on-request is mode %q, want auto", got)
	}
	if got := modeOf(protocol.ApprovalUntrusted, protocol.SandboxReadOnly); got != startMode {
		t.Errorf("read-only, untrusted is mode %q, want %q", got, startMode)
	}
}

func TestReplayTool(t *testing.T) {
	t.Parallel()
	tc := replayTool(HistoryItem{Kind: "tool", CallID: "c1", Name: "shell", Input: `{"command":["bash","-lc","ls -la"],"workdir":"/w"}`})
	if tc.Title != "ls -la" || tc.Kind != "search" || tc.Status != "completed" {
		t.Errorf("replayed shell call = %+v", tc)
	}
	tc = replayTool(HistoryItem{Kind: "tool", CallID: "c2", Name: "exec_command", Input: `{"cmd":"go build"}`})
	if tc.Title != "go build" || tc.Kind != "execute" {
		t.Errorf("replayed exec_command call = %+v", tc)
	}
	if tc := replayTool(HistoryItem{Kind: "tool", CallID: "c3", Name: "apply_patch", Input: "*** Begin Patch"}); tc.Kind != "edit" {
		t.Errorf("replayed apply_patch = %+v", tc)
	}
}
