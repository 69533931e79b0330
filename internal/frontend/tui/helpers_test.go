package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = strings.Join(trimRight(strings.Split(got, "\n")), "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func trimRight(lines []string) []string {
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// fakeSession is a Session whose events the test feeds by hand.
type fakeSession struct{ events chan protocol.Event }

func newFakeSession() *fakeSession { return &fakeSession{events: make(chan protocol.Event, 64)} }

func (f *fakeSession) Submit(context.Context, protocol.Op) error { return nil }
func (f *fakeSession) Events() <-chan protocol.Event             { return f.events }

// recSink records submitted Ops synchronously.
type recSink struct {
	ops     []protocol.Op
	session Session
}

func (r *recSink) submit(op protocol.Op) { r.ops = append(r.ops, op) }
func (r *recSink) setSession(s Session)  { r.session = s }
func (r *recSink) reset() []protocol.Op  { ops := r.ops; r.ops = nil; return ops }
func (r *recSink) count() int            { return len(r.ops) }

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

// harness drives a model directly: messages in, frames and scrollback out.
type harness struct {
	t       *testing.T
	m       *model
	sink    *recSink
	clock   *clock
	printed strings.Builder
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, sink: &recSink{}, clock: newClock()}
	if opts.Session == nil {
		opts.Session = newFakeSession()
	}
	opts.now = h.clock.now
	if opts.Status.Model == "" {
		opts.Status = StatusInfo{Model: "gpt-5", ApprovalPolicy: protocol.ApprovalOnRequest, SandboxMode: protocol.SandboxWorkspaceWrite, ContextWindow: 200000}
	}
	h.m = newModel(context.Background(), opts, h.sink)
	h.m.hist.printHook = func(s string) { h.printed.WriteString(s + "\n") }
	h.m.Init()
	h.send(tea.WindowSizeMsg{Width: 80, Height: 30})
	return h
}

func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

func (h *harness) events(msgs ...protocol.EventMsg) tea.Cmd {
	evs := make([]protocol.Event, len(msgs))
	for i, m := range msgs {
		evs[i] = protocol.Event{Seq: uint64(i), Msg: m}
	}
	return h.send(eventsMsg{gen: h.m.gen, events: evs})
}

// key sends a key press given as Bubble Tea names it ("enter", "ctrl+c",
// "a", "shift+enter").
func (h *harness) key(name string) tea.Cmd {
	h.clock.advance(10 * time.Millisecond)
	return h.send(keyMsg(name))
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.key(string(r))
	}
}

func keyMsg(name string) tea.KeyPressMsg {
	k := tea.Key{}
	mods := strings.Split(name, "+")
	base := mods[len(mods)-1]
	for _, mod := range mods[:len(mods)-1] {
		switch mod {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "alt":
			k.Mod |= tea.ModAlt
		case "shift":
			k.Mod |= tea.ModShift
		}
	}
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "space": tea.KeySpace,
	}
	if r, ok := special[base]; ok {
		k.Code = r
		if base == "space" {
			k.Text = " "
		}
	} else {
		k.Code = []rune(base)[0]
		if k.Mod == 0 {
			k.Text = base
		}
	}
	return tea.KeyPressMsg(k)
}

// frame is the current view without colours.
func (h *harness) frame() string { return ansi.Strip(h.m.View().Content) }

// scrollback is what was printed above the program so far, without colours.
func (h *harness) scrollback() string {
	h.m.hist.flush()
	return ansi.Strip(h.printed.String())
}

// run runs a command that does work off the Update goroutine (async or a
// component's background work) and applies its result, as the Bubble Tea
// runtime would; it returns the command the result gave.
func (h *harness) run(cmd tea.Cmd) tea.Cmd {
	h.t.Helper()
	if cmd == nil {
		h.t.Fatal("no command to run")
	}
	msg := cmd()
	switch msg.(type) {
	case resultMsg, later:
	default:
		h.t.Fatalf("command gave %T, want a resultMsg or later", msg)
	}
	return h.send(msg)
}
