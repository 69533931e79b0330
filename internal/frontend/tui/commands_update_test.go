package tui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// newTestCommander is a commander over a status with gpt-5 on auto-edit.
func newTestCommander(opts Options) *commander {
	st := newStatus(StatusInfo{Model: "gpt-5", ApprovalPolicy: protocol.ApprovalOnRequest, SandboxMode: protocol.SandboxWorkspaceWrite}, "/work", nil)
	return &commander{opts: opts, ctx: context.Background(), now: newClock().now, status: &st, mcp: &mcpState{}, transcript: &transcript{}}
}

// choose picks item i of the picker msg opens (openOverlay).
func choose(t *testing.T, msg tea.Msg, i int) tea.Msg {
	t.Helper()
	o, ok := msg.(openOverlay)
	if !ok {
		t.Fatalf("got %T, want a picker", msg)
	}
	p, ok := o.o.(*picker)
	if !ok || i >= len(p.items) {
		t.Fatalf("got %T, want a picker with item %d", o.o, i)
	}
	return p.choose(i)
}

// finish runs background work as the runtime would and returns its result.
func finish(t *testing.T, msg tea.Msg) tea.Msg {
	t.Helper()
	b, ok := msg.(background)
	if !ok {
		t.Fatalf("got %T, want background work", msg)
	}
	l, ok := b.cmd().(later)
	if !ok {
		t.Fatal("the work gave no later")
	}
	return l.r
}

// TestCommanderPickers: the pickers' choices are typed results for the
// root, never calls into it.
func TestCommanderPickers(t *testing.T) {
	t.Parallel()
	c := newTestCommander(Options{
		Models:        []string{"gpt-5", "o3"},
		ListSessions:  func(bool) ([]SessionSummary, error) { return []SessionSummary{{ID: "s1", Preview: "fix the bug"}}, nil },
		ResumeSession: func(string) (Session, error) { return nil, nil },
		Review: func(context.Context, review.Target) (review.Target, review.Output, error) {
			return review.Target{}, review.Output{}, nil
		},
		Git: func(context.Context, ...string) ([]byte, error) {
			return []byte("0123456789abcdef\tFix the decoder\n"), nil
		},
	})
	tests := []struct {
		name string
		got  func() tea.Msg
		want tea.Msg
	}{
		{"model then effort", func() tea.Msg { return choose(t, choose(t, c.cmdModel(""), 1), 4) }, modelChosen{"o3", "high"}},
		{"the default effort", func() tea.Msg { return choose(t, choose(t, c.cmdModel(""), 0), 0) }, modelChosen{"gpt-5", ""}},
		{"a preset", func() tea.Msg { return choose(t, c.cmdApprovals(""), 2) }, presetChosen{presetByName("full-auto")}},
		{"a custom policy and mode", func() tea.Msg { return choose(t, choose(t, choose(t, c.cmdApprovals(""), 3), 0), 0) },
			presetChosen{preset{name: "custom", policy: protocol.ApprovalPolicies[0], mode: protocol.SandboxModes[0]}}},
		{"a session to resume", func() tea.Msg { return choose(t, c.showSessions(finish(t, c.cmdResume("")).(sessionsListed)), 0) }, resumeChosen{"s1"}},
		{"uncommitted changes to review", func() tea.Msg { return choose(t, c.cmdReview(""), 0) }, reviewChosen{review.Target{Kind: review.Uncommitted}}},
		{"a commit to review", func() tea.Msg { return choose(t, finish(t, choose(t, c.cmdReview(""), 2)), 0) },
			reviewChosen{review.Target{Kind: review.Commit, Commit: "0123456789abcdef"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got(), cmp.AllowUnexported(modelChosen{}, presetChosen{}, preset{}, resumeChosen{}, reviewChosen{})); diff != "" {
			t.Errorf("%s: result mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestCommanderCommands: commands that need only the options return what
// the root is to do.
func TestCommanderCommands(t *testing.T) {
	t.Parallel()
	c := newTestCommander(Options{Prompts: []prompts.Prompt{{Name: "fix", Body: "Fix $FILE", ArgumentHint: "FILE=path"}}})
	tests := []struct {
		line string
		want []string
	}{
		{"/compact", []string{"submit protocol.Compact"}},
		{"/init", []string{"tui.sendText"}},
		{"/mention", []string{"tui.insertText"}},
		{"/rewind", []string{"tui.rewindAsked"}},
		{"/quit", []string{"tui.quitAsked"}},
		{"/copy", []string{"notice Nothing to copy yet."}},
		{"/new", []string{"notice /new is not available here."}},
		{"/mcp", []string{"notice No MCP servers are configured. [Add one with `kodex mcp add NAME -- COMMAND ARGS…` (`kodex mcp add --help` says more).]"}},
		{"/ps", []string{"notice No processes are running. [Commands the model starts with exec_command and leaves running are listed here.]"}},
		{"/status", []string{"commit • Status Model: gpt-5 Provider: Directory: /work Approvals: auto-edit (on-request) Sandbox: workspace-write — unknown Session: unknown Tokens: 0 total (0 in, 0 cached, 0 out)"}},
		{"/fix FILE=a.go", []string{"tui.rememberPrompt", "tui.sendText"}},
		{"/fix 12", []string{"tui.keepCommand", `notice Could not parse the arguments of /fix: expected NAME=value but found "12"; quote values with spaces. [Usage: /fix FILE=path]`}},
	}
	for _, tt := range tests {
		word, args, _ := cutWord(tt.line)
		cmd := c.find(word)
		if cmd == nil {
			t.Fatalf("%s: no command", word)
		}
		got := describeResults(cmd.run(c, args))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: results mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
	if c.find("/nope") != nil {
		t.Error("/nope is a command")
	}
}

func cutWord(line string) (word, args string, ok bool) {
	for i, r := range line {
		if r == ' ' {
			return line[:i], line[i+1:], true
		}
	}
	return line, "", false
}
