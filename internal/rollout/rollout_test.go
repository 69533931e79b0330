package rollout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// clock returns a Now func starting at t and advancing a second per call.
func clock(t time.Time) func() time.Time {
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.Local)

func newRecorder(t *testing.T, home string, opts Options) *Recorder {
	t.Helper()
	opts.Home = home
	if opts.Now == nil {
		opts.Now = clock(t0)
	}
	r, err := Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// turn records one turn: context, prompt, answer and events.
func turn(t *testing.T, r *Recorder, n int, prompt string) {
	t.Helper()
	id := fmt.Sprintf("t%d", n)
	must(t, r.AppendTurnContext(TurnContext{TurnID: id, Cwd: "/w", Model: "m", ApprovalPolicy: protocol.ApprovalOnRequest,
		Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/w"}}}))
	must(t, r.AppendEvent(protocol.Event{Seq: 1, ID: id, Msg: protocol.TurnStarted{TurnID: id}}))
	must(t, r.AppendItems(model.UserText(prompt)))
	for i := range 50 { // deltas are not persisted
		must(t, r.AppendEvent(protocol.Event{Seq: uint64(2 + i), Msg: protocol.AgentMessageDelta{ItemID: "a", Delta: "x"}}))
	}
	must(t, r.AppendItems(model.Item{Type: model.ItemMessage, Role: model.RoleAssistant,
		Content: []model.ContentPart{{Type: model.PartOutputText, Text: "answer " + prompt}}}))
	must(t, r.AppendEvent(protocol.Event{Seq: 60, Msg: protocol.TokenCount{Total: protocol.TokenUsage{TotalTokens: int64(100 * n)}}}))
	must(t, r.AppendEvent(protocol.Event{Seq: 61, ID: id, Msg: protocol.TurnComplete{TurnID: id}}))
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newRecorder(t, home, Options{Cwd: "/w", Model: "gpt-x", Provider: "openai", Version: "1.2.3",
		Git: &GitInfo{Branch: "main", Commit: "abc"}})
	must(t, r.AppendItems(model.UserText("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>")))
	turn(t, r, 1, "fix the <bug> & \"quote\"")
	turn(t, r, 2, "second")
	must(t, r.Close())
	if err := r.AppendItems(model.UserText("late")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("append after close: err = %v, want ErrClosed", err)
	}

	wantPath := filepath.Join(home, "sessions", "2026", "11", "24", "rollout-2026-11-24T09-30-01-"+r.ID()+".jsonl")
	if r.Path() != wantPath {
		t.Errorf("path = %s, want %s", r.Path(), wantPath)
	}
	s, err := Load(r.Path())
	must(t, err)
	if s.Meta.ID != r.ID() || s.Meta.Model != "gpt-x" || s.Meta.Version != "1.2.3" || s.Meta.Git.Branch != "main" {
		t.Errorf("meta = %+v", s.Meta)
	}
	if len(s.History) != 5 {
		t.Fatalf("history has %d items, want 5", len(s.History))
	}
	if got := s.History[1].Text(); got != "fix the <bug> & \"quote\"" {
		t.Errorf("history[1] = %q", got)
	}
	want := Totals{Turns: 2, Usage: protocol.TokenUsage{TotalTokens: 200}, FirstPrompt: "fix the <bug> & \"quote\""}
	if diff := cmp.Diff(want, s.Totals, cmpopts.IgnoreFields(Totals{}, "Updated")); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if s.TurnContext == nil || s.TurnContext.TurnID != "t2" {
		t.Errorf("turn context = %+v, want t2", s.TurnContext)
	}
	if s.Torn {
		t.Error("torn = true for an intact file")
	}

	// No HTML escaping, one object per line, deltas absent.
	b, err := os.ReadFile(r.Path())
	must(t, err)
	if !strings.Contains(string(b), `fix the <bug> & \"quote\"`) {
		t.Error("rollout escapes HTML characters")
	}
	if strings.Contains(string(b), "agent_message_delta") {
		t.Error("deltas were persisted")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasPrefix(line, `{"timestamp":"`) {
			t.Errorf("line %d: %.60s", i+1, line)
		}
	}
}

func TestTornLastLine(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newRecorder(t, home, Options{Cwd: "/w"})
	turn(t, r, 1, "hello")
	must(t, r.Close())
	f, err := os.OpenFile(r.Path(), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(`{"timestamp":"2026-11-24T09:31:00Z","type":"response_item","payload":{"type":"mess`)
	must(t, err)
	must(t, f.Close())

	s, err := Load(r.Path())
	must(t, err)
	if !s.Torn || len(s.History) != 2 {
		t.Fatalf("torn = %v, history = %d items; want true, 2", s.Torn, len(s.History))
	}

	// Resuming cuts the torn tail and appends cleanly.
	r2, err := Open(r.Path())
	must(t, err)
	if r2.ID() != r.ID() {
		t.Errorf("reopened id = %s, want %s", r2.ID(), r.ID())
	}
	turn(t, r2, 2, "again")
	must(t, r2.Close())
	s, err = Load(r.Path())
	must(t, err)
	if s.Torn || len(s.History) != 4 || s.Turns != 2 {
		t.Fatalf("after resume: torn = %v, history = %d, turns = %d; want false, 4, 2", s.Torn, len(s.History), s.Turns)
	}
}

// TestCorruptMiddleLinesAreSkipped: a garbage line and a line whose
// payload does not decode are left out and reported; the rest loads, and
// the file is not touched.
func TestCorruptMiddleLinesAreSkipped(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := newRecorder(t, home, Options{Cwd: "/w"})
	must(t, r.AppendItems(model.UserText("before")))
	must(t, r.Close())
	f, err := os.OpenFile(r.Path(), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString("garbage\n{\"timestamp\":\"2026-11-24T09:31:00Z\",\"type\":\"response_item\",\"payload\":{\"type\":7}}\n")
	must(t, err)
	must(t, f.Close())
	r2, err := Open(r.Path())
	must(t, err)
	must(t, r2.AppendItems(model.UserText("after")))
	must(t, r2.Close())
	before, err := os.ReadFile(r.Path())
	must(t, err)
	s, err := Load(r.Path())
	must(t, err)
	if len(s.History) != 2 || s.History[0].Text() != "before" || s.History[1].Text() != "after" {
		t.Errorf("history = %+v, want before and after", s.History)
	}
	if !slices.Equal(s.Skipped, []int{3, 4}) {
		t.Errorf("Skipped = %v, want [3 4]", s.Skipped)
	}
	after, err := os.ReadFile(r.Path())
	must(t, err)
	if !bytes.Equal(before, after) {
		t.Errorf("Load changed the file")
	}
	// Listing is lenient.
	got, err := List(home, Filter{})
	must(t, err)
	if len(got) != 1 {
		t.Errorf("List returned %d summaries, want 1", len(got))
	}
}

func TestCompactedReplacesHistory(t *testing.T) {
	t.Parallel()
	r := newRecorder(t, t.TempDir(), Options{Cwd: "/w"})
	turn(t, r, 1, "one")
	must(t, r.AppendCompacted(Compacted{Summary: "s", History: []model.Item{model.UserText("summary of one")}}))
	turn(t, r, 2, "two")
	s, err := Load(r.Path())
	must(t, err)
	if len(s.History) != 3 || s.History[0].Text() != "summary of one" {
		t.Fatalf("history = %d items starting %q", len(s.History), s.History[0].Text())
	}
	if s.FirstPrompt != "one" || s.Turns != 2 {
		t.Errorf("first prompt = %q, turns = %d", s.FirstPrompt, s.Turns)
	}
}

func TestLoadLargeSessionMemoryBounded(t *testing.T) {
	home := t.TempDir()
	r := newRecorder(t, home, Options{Cwd: "/w"})
	// 20k persisted events that Load must not keep: written once through
	// the recorder, then copied (the race detector makes encoding slow).
	must(t, r.AppendEvent(protocol.Event{Seq: 1, Msg: protocol.ExecEnd{CallID: "c", AggregatedOutput: strings.Repeat("o", 1024)}}))
	b, err := os.ReadFile(r.Path())
	must(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	f, err := os.OpenFile(r.Path(), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(strings.Repeat(lines[1], 20000-1))
	must(t, err)
	must(t, f.Close())
	must(t, r.AppendItems(model.UserText("only item")))
	// One line longer than the reader's buffer.
	must(t, r.AppendItems(model.UserText(strings.Repeat("y", 300<<10))))
	must(t, r.Close())
	st, err := os.Stat(r.Path())
	must(t, err)
	if st.Size() < 20<<20 {
		t.Fatalf("file is only %d bytes", st.Size())
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := Load(r.Path())
	must(t, err)
	runtime.ReadMemStats(&after)
	if len(s.History) != 2 {
		t.Fatalf("history = %d items, want 2", len(s.History))
	}
	t.Logf("Load allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("Load of an %d MiB rollout allocated %d MiB", st.Size()>>20, grew>>20)
	}
}

func TestListFindLastRemove(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	ids := []string{
		"0190a000-0000-7000-8000-000000000001",
		"0190a000-0000-7000-8000-000000000002",
		"0190b000-0000-7000-8000-000000000003",
	}
	days := []time.Time{t0, t0.AddDate(0, 1, 0), t0.AddDate(1, 0, 0)} // different months and years
	cwds := []string{"/a", "/b", "/a"}
	for i, id := range ids {
		r := newRecorder(t, home, Options{ID: id, Cwd: cwds[i], Now: clock(days[i])})
		turn(t, r, 1, fmt.Sprintf("prompt %d\nsecond line", i))
		must(t, r.Close())
	}

	all, err := List(home, Filter{})
	must(t, err)
	var got []string
	for _, s := range all {
		got = append(got, s.ID)
	}
	if diff := cmp.Diff([]string{ids[2], ids[1], ids[0]}, got); diff != "" {
		t.Errorf("List order (-want +got):\n%s", diff)
	}
	if all[0].FirstPrompt != "prompt 2 …" || all[0].Turns != 1 || all[0].Cwd != "/a" {
		t.Errorf("summary = %+v", all[0])
	}
	inA, err := List(home, Filter{Cwd: "/a/", Limit: 1})
	must(t, err)
	if len(inA) != 1 || inA[0].ID != ids[2] {
		t.Errorf("List(cwd=/a, limit 1) = %+v", inA)
	}

	p, err := Find(home, "0190b")
	must(t, err)
	if idFromName(filepath.Base(p)) != ids[2] {
		t.Errorf("Find(0190b) = %s", p)
	}
	if p2, err := Find(home, p); err != nil || p2 != p {
		t.Errorf("Find(path) = %s, %v", p2, err)
	}
	if _, err := Find(home, "0190a"); !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), ids[0]) {
		t.Errorf("Find(0190a): err = %v, want ErrAmbiguous naming both", err)
	}
	if _, err := Find(home, "ffff"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find(ffff): err = %v, want ErrNotFound", err)
	}
	if p, err := Find(home, strings.ToUpper(ids[0])); err != nil || !strings.Contains(p, ids[0]) {
		t.Errorf("Find(exact, upper case) = %s, %v", p, err)
	}

	last, err := Last(home, "")
	must(t, err)
	if !strings.Contains(last, ids[2]) {
		t.Errorf("Last = %s", last)
	}
	last, err = Last(home, "/b")
	must(t, err)
	if !strings.Contains(last, ids[1]) {
		t.Errorf("Last(/b) = %s", last)
	}
	if _, err := Last(home, "/nowhere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Last(/nowhere): err = %v", err)
	}

	must(t, Remove(home, ids[1]))
	if _, err := Find(home, ids[1]); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Remove: err = %v", err)
	}
	if _, err := os.Stat(filepath.Dir(last)); !os.IsNotExist(err) {
		t.Errorf("empty day directory kept: %v", err)
	}
}

// Sessions with nothing to go back to (kodex started and quit; a fork
// never used) are left out of listings and of Last, but for Filter.Empty;
// Last picks the session last worked in, not the last created.
func TestListLeavesEmptySessionsOut(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	older := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-000000000001", Cwd: "/w", Now: clock(t0)})
	turn(t, older, 1, "first work")
	newer := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-000000000002", Cwd: "/w", Now: clock(t0.Add(time.Hour))})
	turn(t, newer, 1, "second work")
	must(t, newer.Close())
	// Worked in again after the newer one: last updated.
	clk := clock(t0.Add(2 * time.Hour))
	older.now = clk
	turn(t, older, 2, "back to the first")
	must(t, older.Close())
	empty := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-000000000003", Cwd: "/w", Now: clock(t0.Add(3 * time.Hour))})
	must(t, empty.Close())
	fork := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-000000000004", Cwd: "/w", ForkedFrom: "0190a000-0000-7000-8000-000000000001", Now: clock(t0.Add(4 * time.Hour))})
	must(t, fork.AppendItems(model.UserText("first work")))
	must(t, fork.Close())
	// A fork made by kodex rewind is there to be resumed: not empty.
	rewound := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-000000000005", Cwd: "/w", ForkedFrom: "0190a000-0000-7000-8000-000000000001", Now: clock(t0.Add(-time.Hour))})
	must(t, rewound.AppendItems(model.UserText("first work")))
	must(t, rewound.AppendEvent(protocol.Event{Msg: protocol.ConversationRewound{Turn: 2, Prompt: "back to the first"}}))
	must(t, rewound.Close())

	ids := func(f Filter) []string {
		list, err := List(home, f)
		must(t, err)
		var out []string
		for _, s := range list {
			out = append(out, s.ID[len(s.ID)-1:])
		}
		return out
	}
	if diff := cmp.Diff([]string{"2", "1", "5"}, ids(Filter{})); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"4", "3", "2", "1", "5"}, ids(Filter{Empty: true})); diff != "" {
		t.Errorf("listed with Empty (-want +got):\n%s", diff)
	}
	last, err := Last(home, "/w")
	must(t, err)
	if !strings.Contains(last, "000000000001") {
		t.Errorf("Last = %s, want the session last worked in (1)", last)
	}
}

func TestListEmptyHome(t *testing.T) {
	t.Parallel()
	got, err := List(t.TempDir(), Filter{})
	if err != nil || len(got) != 0 {
		t.Errorf("List = %v, %v", got, err)
	}
	if _, err := Last(t.TempDir(), ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Last: err = %v", err)
	}
}

func TestPersisted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  protocol.EventMsg
		want bool
	}{
		{protocol.AgentMessage{}, true},
		{protocol.AgentMessageDelta{}, false},
		{protocol.ExecOutputDelta{}, false},
		{protocol.ExecEnd{}, true},
		{protocol.ExecApprovalRequest{}, false},
		{protocol.TurnFailed{}, true},
		{protocol.ContextCompacted{}, true}, // a resumed UI shows where the context was compacted
		{protocol.SessionConfigured{}, false},
	} {
		if got := Persisted(tt.msg); got != tt.want {
			t.Errorf("Persisted(%s) = %v, want %v", tt.msg.EventType(), got, tt.want)
		}
	}
}

func TestCollectGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	if got := CollectGit(context.Background(), dir); got != nil {
		t.Errorf("outside a repository: %+v", got)
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "trunk"},
		{"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"},
		{"remote", "add", "origin", "https://user:secret@example.com/r.git"},
	} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	got := CollectGit(context.Background(), dir)
	if got == nil || got.Branch != "trunk" || len(got.Commit) != 40 || got.RepositoryURL != "https://example.com/r.git" {
		t.Errorf("CollectGit = %+v", got)
	}
}

// TestSessionLocked: while one Recorder holds a session, opening it again
// fails with a LockedError; once it is closed, it opens.
func TestSessionLocked(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows (documented)")
	}
	home := t.TempDir()
	r := newRecorder(t, home, Options{Cwd: "/w"})
	_, err := Open(r.Path())
	var le *LockedError
	if !errors.As(err, &le) || le.Path != r.Path() {
		t.Fatalf("Open of a held session: err = %v, want a LockedError for it", err)
	}
	must(t, r.Close())
	r2, err := Open(r.Path())
	must(t, err)
	must(t, r2.AppendItems(model.UserText("mine now")))
	if _, err := Open(r.Path()); !errors.As(err, &le) {
		t.Errorf("a reopened session is not locked: %v", err)
	}
	must(t, r2.Close())
}

// A command's megabyte of output is recorded as its head and tail, not in
// full; the line still decodes.
func TestExecEndOutputClipped(t *testing.T) {
	t.Parallel()
	r := newRecorder(t, t.TempDir(), Options{Cwd: "/w"})
	out := "HEAD" + strings.Repeat("é", 500_000) + "TAIL"
	must(t, r.AppendEvent(protocol.Event{Msg: protocol.ExecEnd{CallID: "c", AggregatedOutput: out}}))
	must(t, r.Close())
	b, err := os.ReadFile(r.Path())
	must(t, err)
	if len(b) > 40<<10 {
		t.Errorf("rollout is %d bytes, want the output clipped to about 32 KiB", len(b))
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var l Line
	must(t, json.Unmarshal([]byte(lines[len(lines)-1]), &l))
	var ev protocol.Event
	must(t, json.Unmarshal(l.Payload, &ev))
	got := ev.Msg.(protocol.ExecEnd).AggregatedOutput
	if !strings.HasPrefix(got, "HEAD") || !strings.HasSuffix(got, "TAIL") || !strings.Contains(got, "bytes not recorded") || !utf8.ValidString(got) {
		t.Errorf("recorded output: %d bytes, head %q, tail %q", len(got), got[:10], got[len(got)-10:])
	}
}

// CopyFrom appends a rollout's lines but its meta, as they are; a damaged
// line and a torn last line are left out.
func TestCopyFrom(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	src := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-00000000000a", Cwd: "/w"})
	turn(t, src, 1, "the question")
	must(t, src.Close())
	f, err := os.OpenFile(src.Path(), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString("not a rollout line\n{\"timestamp\":\"2026-11-24T09:30:09Z\",\"type\":\"event\",\"payload\":{\"msg\":{\"type\":\"turn_started\",\"turn_id\":\"t2\"}}}\n{\"timestamp\":\"torn")
	must(t, err)
	must(t, f.Close())

	dst := newRecorder(t, home, Options{ID: "0190a000-0000-7000-8000-00000000000b", Cwd: "/w", ForkedFrom: "0190a000-0000-7000-8000-00000000000a"})
	must(t, dst.CopyFrom(src.Path()))
	must(t, dst.AppendItems(model.UserText("the fork's own")))
	must(t, dst.Close())

	read := func(p string) []string {
		b, err := os.ReadFile(p)
		must(t, err)
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	srcLines, dstLines := read(src.Path()), read(dst.Path())
	// The fork: its own meta, the source's whole lines but its meta and
	// the damaged and torn ones, then its own line.
	want := append([]string{dstLines[0]}, srcLines[1:len(srcLines)-3]...)
	want = append(want, srcLines[len(srcLines)-2])
	if diff := cmp.Diff(want, dstLines[:len(dstLines)-1]); diff != "" {
		t.Errorf("copied lines (-want +got):\n%s", diff)
	}
	if !strings.Contains(dstLines[0], `"forked_from":"0190a000-0000-7000-8000-00000000000a"`) || !strings.Contains(dstLines[len(dstLines)-1], "the fork's own") {
		t.Errorf("the fork's own lines are not its own:\n%s\n%s", dstLines[0], dstLines[len(dstLines)-1])
	}
	s, err := Load(dst.Path())
	must(t, err)
	if s.Turns != 2 || len(s.Skipped) != 0 || s.Torn {
		t.Errorf("the fork loads with %d turns, skipped %v, torn %v", s.Turns, s.Skipped, s.Torn)
	}
}
