package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func userTurn(text string) protocol.UserTurn {
	return protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: text}}}
}

func wantOps(t *testing.T, sink *recSink, want ...protocol.Op) {
	t.Helper()
	if diff := cmp.Diff(want, sink.reset()); diff != "" {
		t.Errorf("ops mismatch (-want +got):\n%s", diff)
	}
}

func TestSubmitAndStream(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("hello")
	h.key("enter")
	wantOps(t, h.sink, userTurn("hello"))
	h.events(protocol.TurnStarted{TurnID: "t1"},
		protocol.AgentMessageDelta{ItemID: "m1", Delta: "First paragraph.\n\nSecond "})
	if sb := h.scrollback(); !strings.Contains(sb, "› hello") || !strings.Contains(sb, "First paragraph.") {
		t.Errorf("scrollback lacks the user message or the finished paragraph:\n%s", sb)
	}
	if f := h.frame(); !strings.Contains(f, "Second") || strings.Contains(f, "First paragraph") {
		t.Errorf("live area should show only the unfinished paragraph:\n%s", f)
	}
	h.events(protocol.AgentMessageDelta{ItemID: "m1", Delta: "paragraph."},
		protocol.AgentMessage{ItemID: "m1", Text: "First paragraph.\n\nSecond paragraph."},
		protocol.TurnComplete{TurnID: "t1"})
	sb := h.scrollback()
	if strings.Count(sb, "First paragraph.") != 1 || !strings.Contains(sb, "Second paragraph.") {
		t.Errorf("scrollback should hold each paragraph once:\n%s", sb)
	}
	if f := h.frame(); strings.Contains(f, "Second paragraph") || strings.Contains(f, "Working") {
		t.Errorf("live area should be empty after the turn:\n%s", f)
	}
}

func TestExecLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"},
		protocol.ExecBegin{CallID: "c1", Command: []string{"bash", "-lc", "make test"}},
		protocol.ExecOutputDelta{CallID: "c1", Stream: "stdout", Chunk: []byte("ok  pkg/a\n")})
	if f := h.frame(); !strings.Contains(f, "Running make test") || !strings.Contains(f, "ok  pkg/a") {
		t.Errorf("frame lacks the running command and its output:\n%s", f)
	}
	h.events(protocol.ExecEnd{CallID: "c1", ExitCode: 2, Duration: protocol.Duration(1500 * time.Millisecond), AggregatedOutput: "ok  pkg/a\nFAIL pkg/b\n"})
	if sb := h.scrollback(); !strings.Contains(sb, "✗ Ran make test") || !strings.Contains(sb, "exit 2 · 1.5s") {
		t.Errorf("scrollback lacks the finished command:\n%s", sb)
	}
	if f := h.frame(); strings.Contains(f, "Running") {
		t.Errorf("finished command still live:\n%s", f)
	}
}

func TestApprovalDecisions(t *testing.T) {
	t.Parallel()
	execReq := protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"rm", "x"}, Cwd: "/w"}
	patchReq := protocol.PatchApprovalRequest{CallID: "p1", Changes: []protocol.FileChange{{Path: "a", Kind: protocol.ChangeAdd, UnifiedDiff: "+x\n"}}}
	tests := []struct {
		name string
		req  protocol.EventMsg
		keys []string
		want protocol.Op
	}{
		{"exec yes", execReq, []string{"y"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApproved}},
		{"exec session", execReq, []string{"a"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApprovedForSession}},
		{"exec no", execReq, []string{"n"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionDenied}},
		{"exec abort", execReq, []string{"esc"}, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionAbort}},
		{"patch yes", patchReq, []string{"y"}, protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionApproved}},
		{"patch no", patchReq, []string{"n", "enter"}, protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionDenied}},
		{"patch no with feedback", patchReq, []string{"n", "u", "s", "e", "space", "v", "2", "enter"},
			protocol.PatchApproval{CallID: "p1", Decision: protocol.DecisionDenied, Feedback: "use v2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			h.events(protocol.TurnStarted{TurnID: "t1"}, tt.req)
			for _, k := range tt.keys {
				h.key(k)
			}
			wantOps(t, h.sink, tt.want)
			if len(h.m.approvals.queue) != 0 {
				t.Error("modal still shown after the decision")
			}
			if !h.m.composer.empty() {
				t.Errorf("composer got modal keys: %q", h.m.composer.value())
			}
		})
	}
}

// A key typed just before the modal appeared, and the keys right after it,
// belong to the composer; the modal takes keys once the user paused.
func TestApprovalDoesNotStealTyping(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"})
	h.typeText("ok")
	h.events(protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"ls"}})
	h.typeText("y") // 10 ms after the modal appeared: still typing
	if h.sink.count() != 0 || h.m.composer.value() != "oky" {
		t.Fatalf("modal consumed a typed key: ops %v, composer %q", h.sink.ops, h.m.composer.value())
	}
	h.clock.advance(armDelay)
	h.key("y")
	wantOps(t, h.sink, protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApproved})
}

func TestInterruptAndQuit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"})
	h.key("esc")
	wantOps(t, h.sink, protocol.Interrupt{})
	h.key("ctrl+c")
	wantOps(t, h.sink, protocol.Interrupt{})
	h.clock.advance(2 * time.Second) // too late for a double press
	h.key("ctrl+c")
	wantOps(t, h.sink, protocol.Interrupt{})
	h.key("ctrl+c")
	wantOps(t, h.sink, protocol.Shutdown{})
	if !h.m.quitting {
		t.Fatal("not quitting after a double Ctrl+C")
	}
	if msg := h.m.handleEvent(protocol.ShutdownComplete{})(); msg != (tea.QuitMsg{}) {
		t.Errorf("ShutdownComplete gave %T, want tea.QuitMsg", msg)
	}
}

func TestCtrlDQuitsOnEmptyComposer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("x")
	h.key("ctrl+d") // deletes forward; not a quit
	if h.sink.count() != 0 {
		t.Fatalf("Ctrl+D quit with text in the composer: %v", h.sink.ops)
	}
	h.key("backspace")
	h.key("ctrl+d")
	wantOps(t, h.sink, protocol.Shutdown{})
}

func TestQueuedMessageSentAfterTurn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"})
	h.typeText("and then")
	h.key("enter")
	if h.sink.count() != 0 {
		t.Fatalf("submitted while a turn runs: %v", h.sink.ops)
	}
	if f := h.frame(); !strings.Contains(f, "queued: and then") {
		t.Errorf("queued message not shown:\n%s", f)
	}
	h.events(protocol.TurnComplete{TurnID: "t1"})
	wantOps(t, h.sink, userTurn("and then"))
}

// Messages queued during a turn that the user then interrupts are not
// sent: they come back to the composer (above what was typed since), to be
// edited or sent, as in Codex.
func TestQueuedMessagesBackAfterInterrupt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"})
	for _, msg := range []string{"first thought", "second thought"} {
		h.typeText(msg)
		h.key("enter")
	}
	h.typeText("and more")
	h.events(protocol.TurnAborted{TurnID: "t1", Reason: "interrupted"})
	if h.sink.count() != 0 {
		t.Fatalf("queued messages were sent after the interrupt: %v", h.sink.ops)
	}
	if got, want := h.m.composer.value(), "first thought\nsecond thought\nand more"; got != want {
		t.Errorf("composer = %q, want %q", got, want)
	}
	if f := h.frame(); strings.Contains(f, "queued:") {
		t.Errorf("the queue is still shown:\n%s", f)
	}
	h.key("enter")
	wantOps(t, h.sink, userTurn("first thought\nsecond thought\nand more"))
}

// Commands that would cut the running turn off (a new session, a fork, a
// resume) or change the conversation or the files under it are refused
// while it runs and kept in the composer; the others run.
func TestCommandsDuringATurn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cmd     string
		refused bool
	}{
		{"/new", true}, {"/fork", true}, {"/resume", true}, {"/compact", true},
		{"/undo", true}, {"/redo", true}, {"/rewind", true}, {"/review", true},
		{"/status", false}, {"/diff", false},
	} {
		t.Run(tt.cmd, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			h.events(protocol.TurnStarted{TurnID: "t1"})
			h.typeText(tt.cmd)
			cmd := h.key("enter")
			refused := strings.Contains(h.scrollback()+h.frame(), tt.cmd+" is not available while a turn is running")
			if refused != tt.refused {
				t.Fatalf("%s refused: %v, want %v:\n%s", tt.cmd, refused, tt.refused, h.frame())
			}
			if !tt.refused {
				return
			}
			if cmd != nil || h.sink.count() != 0 {
				t.Errorf("%s did something while refused: cmd %v, ops %v", tt.cmd, cmd != nil, h.sink.ops)
			}
			if got := h.m.composer.value(); got != tt.cmd {
				t.Errorf("composer = %q, want the command kept", got)
			}
			// Once the turn has ended, it runs.
			h.events(protocol.TurnComplete{TurnID: "t1"})
			h.key("enter")
			if strings.Contains(h.m.composer.value(), tt.cmd) {
				t.Errorf("%s still in the composer after the turn ended", tt.cmd)
			}
		})
	}
}

func TestLargePasteCollapses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	big := strings.TrimSuffix(numbered(42), "\n")
	h.typeText("see ")
	h.send(tea.PasteMsg{Content: big})
	if got, want := h.m.composer.value(), "see [Pasted text #1 +42 lines]"; got != want {
		t.Fatalf("composer = %q, want %q", got, want)
	}
	h.send(tea.PasteMsg{Content: "small"})
	h.key("enter")
	wantOps(t, h.sink, userTurn("see "+big+"small"))
}

func TestPastePlaceholderDeletesWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.send(tea.PasteMsg{Content: strings.Repeat("x", 2000)})
	h.key("backspace")
	if !h.m.composer.empty() {
		t.Errorf("composer = %q, want empty", h.m.composer.value())
	}
}

func TestMultilineComposer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("a")
	h.key("shift+enter")
	h.typeText("b")
	h.key("ctrl+j")
	h.typeText("c")
	h.key("enter")
	wantOps(t, h.sink, userTurn("a\nb\nc"))
}

func TestHistoryPersists(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	h := newHarness(t, Options{KodexHome: home})
	h.typeText("first")
	h.key("enter")
	h.typeText("second")
	h.key("enter")

	data, err := os.ReadFile(filepath.Join(home, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e historyEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.TS == 0 {
			t.Fatalf("bad history line %q: %v", line, err)
		}
		texts = append(texts, e.Text)
	}
	if diff := cmp.Diff([]string{"first", "second"}, texts); diff != "" {
		t.Errorf("history file (-want +got):\n%s", diff)
	}

	h2 := newHarness(t, Options{KodexHome: home})
	h2.typeText("dra")
	h2.key("ctrl+u")
	h2.key("up")
	h2.key("up")
	if got := h2.m.composer.value(); got != "first" {
		t.Errorf("after Up Up composer = %q, want first", got)
	}
	h2.key("down")
	h2.key("down")
	if got := h2.m.composer.value(); got != "" {
		t.Errorf("after Down Down composer = %q, want the empty draft", got)
	}
}

func TestSlashCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Models: []string{"gpt-5", "gpt-5-codex"}})
	h.typeText("/mo")
	h.key("enter") // runs the selected /model
	if _, ok := h.m.overlay.(*picker); !ok {
		t.Fatalf("no model picker after /model")
	}
	h.key("down")
	h.key("enter") // gpt-5-codex
	h.key("down")
	h.key("down")
	h.key("enter") // low (after default, minimal)
	h.typeText("/approvals")
	h.key("enter")
	if f := h.frame(); !strings.Contains(f, "› auto-edit ✓  edits") {
		t.Errorf("/approvals does not select and mark the preset in force:\n%s", f)
	}
	h.key("down")
	h.key("enter") // full-auto, the one after auto-edit
	h.typeText("go")
	h.key("enter")
	want := userTurn("go")
	want.Model, want.ReasoningEffort = "gpt-5-codex", "low"
	want.ApprovalPolicy, want.SandboxMode = protocol.ApprovalNever, modePtr(protocol.SandboxWorkspaceWrite)
	wantOps(t, h.sink, want)
	if f := h.frame(); !strings.Contains(f, "gpt-5-codex low · full-auto · workspace-write") {
		t.Errorf("status line not updated:\n%s", f)
	}
}

func TestSlashUnavailableAndInit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("/new")
	h.key("enter")
	if sb := h.scrollback(); !strings.Contains(sb, "/new is not available") {
		t.Errorf("no unavailable notice:\n%s", sb)
	}
	h.typeText("/init")
	h.key("enter")
	wantOps(t, h.sink, userTurn(initPrompt))
}

func TestFileMention(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.m.src.files = &fileIndex{files: []string{"README.md", "internal/frontend/tui/model.go", "internal/agent/turn.go"}}
	h.typeText("look at @tuimod")
	if !h.m.popup.active() || h.m.popup.items[0].label != "internal/frontend/tui/model.go" {
		t.Fatalf("popup = %+v", h.m.popup.items)
	}
	h.key("tab")
	if got := h.m.composer.value(); got != "look at internal/frontend/tui/model.go " {
		t.Errorf("composer = %q", got)
	}
}

func TestTrustPrompt(t *testing.T) {
	t.Parallel()
	var answer *bool
	h := newHarness(t, Options{Cwd: "/home/me/project", InitialPrompt: "hi", TrustPrompt: func(trusted bool) error { answer = &trusted; return nil }})
	if h.sink.count() != 0 {
		t.Fatal("initial prompt sent before the trust answer")
	}
	golden(t, "trust", h.frame())
	h.key("y")
	if answer == nil || !*answer {
		t.Fatalf("TrustPrompt not called with true")
	}
	want := userTurn("hi")
	want.ApprovalPolicy, want.SandboxMode = protocol.ApprovalOnRequest, modePtr(protocol.SandboxWorkspaceWrite)
	wantOps(t, h.sink, want)
}

func TestAltScreenTranscriptScrolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AltScreen: true})
	for i := range 100 {
		h.events(protocol.AgentMessage{ItemID: "m", Text: "message " + itoa(i)})
	}
	if f := h.frame(); !strings.Contains(f, "message 99") || strings.Contains(f, "message 80") {
		t.Errorf("bottom of transcript not shown:\n%s", f)
	}
	h.key("pgup")
	if f := h.frame(); strings.Contains(f, "message 99") {
		t.Errorf("PgUp did not scroll:\n%s", f)
	}
	for range 100 {
		h.key("pgup")
	}
	if f := h.frame(); !strings.Contains(f, "message 0\n") {
		t.Errorf("top of transcript not reachable:\n%s", f)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// An unknown /command is said, not sent to the model, and what was typed
// stays in the composer; a message that only starts with a path is sent.
func TestUnknownSlashCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("/compres now")
	h.key("enter")
	wantOps(t, h.sink)
	if sb := h.scrollback(); !strings.Contains(sb, "Unknown command /compres.") {
		t.Errorf("no notice:\n%s", sb)
	}
	if f := h.frame(); !strings.Contains(f, "/compres now") {
		t.Errorf("the typed text is lost:\n%s", f)
	}
	h2 := newHarness(t, Options{})
	h2.typeText("/etc/hosts looks odd")
	h2.key("enter")
	wantOps(t, h2.sink, userTurn("/etc/hosts looks odd"))
}

// TestQuitHintExpires: the "Ctrl+C again to quit" hint goes when the
// window for the second press closes (the timer's message), not at the
// next key only; an older press's timer leaves a newer hint alone; a
// paste clears it as a key does.
func TestQuitHintExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	if cmd := h.key("ctrl+c"); cmd == nil {
		t.Fatal("the first Ctrl+C starts no timer for its hint")
	}
	first := h.m.ctrlCAt
	if !strings.Contains(h.frame(), quitHint) {
		t.Fatalf("no quit hint after Ctrl+C:\n%s", h.frame())
	}
	h.send(later{quitHintExpired{first}})
	if strings.Contains(h.frame(), quitHint) {
		t.Fatalf("the quit hint outlives its window:\n%s", h.frame())
	}
	h.clock.advance(2 * time.Second)
	h.key("ctrl+c") // a new window
	h.send(later{quitHintExpired{first}})
	if !strings.Contains(h.frame(), quitHint) {
		t.Errorf("the first press's timer ended the second press's hint:\n%s", h.frame())
	}
	h.send(tea.PasteMsg{Content: "pasted"})
	if strings.Contains(h.frame(), quitHint) {
		t.Errorf("a paste leaves the quit hint:\n%s", h.frame())
	}
}
