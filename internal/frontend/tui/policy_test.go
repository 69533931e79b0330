package tui

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func modePtr(m protocol.SandboxMode) *protocol.SandboxMode { return &m }

// suggestStatus is a session started read-only (an untrusted project).
var suggestStatus = StatusInfo{Model: "gpt-5", ApprovalPolicy: protocol.ApprovalUntrusted, SandboxMode: protocol.SandboxReadOnly}

// TestApprovalsSendsMode: after /approvals → auto-edit, the next turn
// carries the mode (never a partial policy) and the status line shows what
// the next command runs under; the turns after it carry nothing, as the
// session keeps the override.
func TestApprovalsSendsMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Status: suggestStatus})
	if f := h.frame(); !strings.Contains(f, "suggest · read-only") {
		t.Fatalf("status line before /approvals:\n%s", f)
	}
	h.typeText("/approvals")
	h.key("enter")
	h.key("down")
	h.key("enter") // auto-edit
	if f := h.frame(); !strings.Contains(f, "gpt-5 · auto-edit · workspace-write") {
		t.Errorf("status line after choosing auto-edit:\n%s", f)
	}
	h.typeText("write x")
	h.key("enter")
	want := userTurn("write x")
	want.ApprovalPolicy, want.SandboxMode = protocol.ApprovalOnRequest, modePtr(protocol.SandboxWorkspaceWrite)
	wantOps(t, h.sink, want)

	h.typeText("again")
	h.key("enter")
	wantOps(t, h.sink, userTurn("again"))
	if f := h.frame(); !strings.Contains(f, "gpt-5 · auto-edit · workspace-write") {
		t.Errorf("status line after the turn:\n%s", f)
	}
}

// TestCustomPolicySendsMode: the custom picker sends a mode too.
func TestCustomPolicySendsMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Status: suggestStatus})
	h.typeText("/approvals")
	h.key("enter")
	for range 3 {
		h.key("down")
	}
	h.key("enter") // custom
	h.key("down")
	h.key("enter") // on-failure
	h.key("down")
	h.key("down")
	h.key("enter") // danger-full-access
	if f := h.frame(); !strings.Contains(f, "on-failure · danger-full-access") {
		t.Errorf("status line after the custom choice:\n%s", f)
	}
	h.typeText("go")
	h.key("enter")
	want := userTurn("go")
	want.ApprovalPolicy, want.SandboxMode = protocol.ApprovalOnFailure, modePtr(protocol.SandboxDangerFullAccess)
	wantOps(t, h.sink, want)
}

// TestStatusFollowsSession: the status line shows the session's resolved
// policy, except while a choice made here waits for the next turn.
func TestStatusFollowsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	configured := protocol.SessionConfigured{
		SessionID: "s1", ApprovalPolicy: protocol.ApprovalUntrusted,
		Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
	}
	h.events(configured)
	if f := h.frame(); !strings.Contains(f, "suggest · read-only") {
		t.Errorf("status line does not show the session's policy:\n%s", f)
	}

	h.typeText("/approvals")
	h.key("enter")
	h.key("down")
	h.key("down")
	h.key("enter") // full-auto
	// A session's report arriving now (a late SessionConfigured, or a new
	// session) does not hide what the next turn will carry.
	h.events(configured)
	if f := h.frame(); !strings.Contains(f, "full-auto · workspace-write") {
		t.Errorf("status line lost the pending choice:\n%s", f)
	}
	h.typeText("go")
	h.key("enter")
	// Sent: what a session reports from now on is in force.
	h.events(configured)
	if f := h.frame(); !strings.Contains(f, "suggest · read-only") {
		t.Errorf("status line ignores the session after the choice was sent:\n%s", f)
	}
}

// TestTrustNoSendsSuggest: "no" to the trust question makes the first turn
// read-only with approvals, as a mode.
func TestTrustNoSendsSuggest(t *testing.T) {
	t.Parallel()
	var answer *bool
	h := newHarness(t, Options{Cwd: "/p", InitialPrompt: "hi", TrustPrompt: func(trusted bool) error { answer = &trusted; return nil }})
	h.key("n")
	if answer == nil || *answer {
		t.Fatalf("TrustPrompt not called with false")
	}
	want := userTurn("hi")
	want.ApprovalPolicy, want.SandboxMode = protocol.ApprovalUntrusted, modePtr(protocol.SandboxReadOnly)
	wantOps(t, h.sink, want)
	if f := h.frame(); !strings.Contains(f, "suggest · read-only") {
		t.Errorf("status line:\n%s", f)
	}
}
