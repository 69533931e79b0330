package agent_test

import (
	"slices"
	"testing"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestSteer: input steered into a running turn joins the conversation
// before the turn's next request; with no turn running it is refused.
func TestSteer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Tools: router(t, asker()), Interactive: true},
		modeltest.Calls(call("c1", "ask", "{}")),
		modeltest.Text("done"),
	)
	h.submit(protocol.Steer{Items: []protocol.InputItem{{Type: protocol.InputText, Text: "too early"}}})
	if _, e := untilType[protocol.Error](h); e.Code != "no_active_turn" {
		t.Errorf("steer with no turn: Error code %q, want no_active_turn", e.Code)
	}
	id := h.submit(userTurn("go"))
	_, _ = untilType[protocol.ExecApprovalRequest](h)
	h.submit(protocol.Steer{Items: []protocol.InputItem{{Type: protocol.InputText, Text: "and say hi"}}})
	h.submit(protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApproved})
	evs := h.until(turnEnd)
	if end, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok || end.TurnID != id {
		t.Fatalf("turn ended with %#v", evs[len(evs)-1].Msg)
	}
	in := inputOf(h.request(1))
	if !slices.Contains(in, userItem("and say hi")) || slices.Contains(in, userItem("too early")) {
		t.Errorf("second request input %v: want the steered input, not the refused one", in)
	}
}
