package rollout

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestTranscript(t *testing.T) {
	t.Parallel()
	rec, err := Create(Options{Home: t.TempDir(), Cwd: "/src"})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(m protocol.EventMsg) {
		if err := rec.AppendEvent(protocol.Event{Msg: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.AppendItems(model.UserText("<environment_context>injected</environment_context>"), model.UserText("first question")); err != nil {
		t.Fatal(err)
	}
	ev(protocol.TurnStarted{TurnID: "t1"})
	ev(protocol.ExecEnd{CallID: "c1", Command: []string{"ls"}, AggregatedOutput: strings.Repeat("x", 20<<10) + "THE END"})
	ev(protocol.AgentMessage{ItemID: "m1", Text: "answer"})
	ev(protocol.TokenCount{Total: protocol.TokenUsage{TotalTokens: 42}})
	ev(protocol.TurnAborted{TurnID: "t1", Reason: "interrupted"})
	if err := rec.AppendCompacted(Compacted{Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendItems(model.UserText("after compaction")); err != nil {
		t.Fatal(err)
	}
	ev(protocol.AgentMessageDelta{ItemID: "m2", Delta: "not recorded"})
	rec.Close()
	// A damaged line in the middle is skipped.
	f, _ := os.OpenFile(rec.Path(), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintln(f, "{not json")
	f.Close()

	injected := func(s string) bool { return strings.HasPrefix(s, "<environment_context>") }
	steps, err := Transcript(rec.Path(), 100, injected)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		if s.Event == nil {
			got = append(got, "user:"+s.User)
			continue
		}
		got = append(got, s.Event.EventType())
		if e, ok := s.Event.(protocol.ExecEnd); ok && (len(e.AggregatedOutput) > maxStepOutput || !strings.HasSuffix(e.AggregatedOutput, "THE END")) {
			t.Errorf("a replayed command keeps %d bytes of output, not its tail", len(e.AggregatedOutput))
		}
	}
	want := []string{"user:first question", "turn_started", "exec_end", "agent_message", "token_count", "turn_aborted", "user:after compaction"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("steps = %v\nwant %v", got, want)
	}
	last, err := Transcript(rec.Path(), 2, injected)
	if err != nil || len(last) != 2 || last[1].User != "after compaction" || last[0].Event.EventType() != "turn_aborted" {
		t.Errorf("the last 2 steps = %+v, %v", last, err)
	}
}

// TestTranscriptOfFork: a fork's rollout opens with the copied conversation
// as history items; its answers and reasoning are steps, in order, before
// the fork's own turns (whose answers come from their events only).
func TestTranscriptOfFork(t *testing.T) {
	t.Parallel()
	rec, err := Create(Options{Home: t.TempDir(), Cwd: "/src", ForkedFrom: "parent"})
	if err != nil {
		t.Fatal(err)
	}
	reasoning := model.Item{Type: model.ItemReasoning, ID: "r1", Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: "thinking"}}}
	answer := func(text string) model.Item {
		return model.Item{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: text}}}
	}
	copied := []model.Item{
		model.UserText("q1"), reasoning, answer("a1"),
		{Type: model.ItemFunctionCall, Name: "exec_command", CallID: "c1", Arguments: "{}"},
		{Type: model.ItemFunctionCallOutput, CallID: "c1", Output: "out"},
		model.UserText("q2"), answer("a2"),
	}
	// The parent's context measure sits among the copied items (after the
	// items it measured); it does not end the copied conversation.
	if err := rec.AppendItems(copied[:5]...); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.TokenCount{ContextUsed: 1234}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendItems(copied[5:]...); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.TurnStarted{TurnID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendItems(model.UserText("q3"), answer("a3 (item)")); err != nil {
		t.Fatal(err)
	}
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.AgentMessage{ItemID: "m3", Text: "a3"}}); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	steps, err := Transcript(rec.Path(), 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		switch e := s.Event.(type) {
		case nil:
			got = append(got, "user:"+s.User)
		case protocol.AgentMessage:
			got = append(got, "answer:"+e.Text)
		case protocol.Reasoning:
			got = append(got, "reasoning:"+e.Text)
		default:
			got = append(got, e.EventType())
		}
	}
	want := []string{"user:q1", "reasoning:thinking", "answer:a1", "token_count", "user:q2", "answer:a2", "turn_started", "user:q3", "answer:a3"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("steps = %v\nwant %v", got, want)
	}

	// The conversation is the user's messages and the answers only.
	conv, err := Conversation(rec.Path(), 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, s := range conv {
		if e, ok := s.Event.(protocol.AgentMessage); ok {
			got = append(got, "answer:"+e.Text)
		} else {
			got = append(got, fmt.Sprintf("user:%s%v", s.User, s.Event))
		}
	}
	want = []string{"user:q1<nil>", "answer:a1", "user:q2<nil>", "answer:a2", "user:q3<nil>", "answer:a3"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("conversation = %v\nwant %v", got, want)
	}
}
