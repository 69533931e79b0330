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
