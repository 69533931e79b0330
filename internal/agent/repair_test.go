package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model"
)

func TestRepairHistory(t *testing.T) {
	call := func(id string) model.Item { return model.Item{Type: model.ItemFunctionCall, CallID: id, Name: "shell"} }
	custom := func(id string) model.Item {
		return model.Item{Type: model.ItemCustomToolCall, CallID: id, Name: "apply_patch"}
	}
	out := func(id, o string) model.Item {
		return model.Item{Type: model.ItemFunctionCallOutput, CallID: id, Output: o}
	}
	customOut := func(id, o string) model.Item {
		return model.Item{Type: model.ItemCustomToolCallOutput, CallID: id, Output: o}
	}
	user := model.UserText("go on")
	tests := []struct {
		name string
		in   []model.Item
		want []model.Item
		made int
		tail []model.Item // what can be recorded where it stands
	}{
		{"complete", []model.Item{user, call("a"), out("a", "ok")}, []model.Item{user, call("a"), out("a", "ok")}, 0, nil},
		{"last call unfinished", []model.Item{user, call("a"), call("b"), out("a", "ok")},
			[]model.Item{user, call("a"), call("b"), out("a", "ok"), out("b", abortedOutput)}, 1, []model.Item{out("b", abortedOutput)}},
		{"unfinished in the middle, before a later message", []model.Item{user, custom("p"), call("c"), out("c", "ok"), user},
			[]model.Item{user, custom("p"), call("c"), out("c", "ok"), customOut("p", abortedOutput), user}, 1, nil},
		{"output recorded out of order", []model.Item{call("a"), call("b"), out("b", "2"), out("a", "1")},
			[]model.Item{call("a"), call("b"), out("b", "2"), out("a", "1")}, 0, nil},
		{"output without its call", []model.Item{user, out("lost", "x"), call("a"), out("a", "ok")},
			[]model.Item{user, call("a"), out("a", "ok")}, 1, nil},
		{"output without its call, then an unfinished one", []model.Item{user, out("lost", "x"), call("a")},
			[]model.Item{user, call("a"), out("a", abortedOutput)}, 2, nil},
		{"empty", nil, []model.Item{}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, made, tail, aborted := repairHistory(tt.in)
			// The aborted calls are those whose output was made up.
			var wantIDs, gotIDs []string
			for _, it := range got {
				if it.Output == abortedOutput {
					wantIDs = append(wantIDs, it.CallID)
				}
			}
			for _, c := range aborted {
				gotIDs = append(gotIDs, c.CallID)
			}
			if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
				t.Errorf("repairHistory's aborted calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || made != tt.made {
				t.Errorf("repairHistory: made %d, want %d; (-want +got):\n%s", made, tt.made, diff)
			}
			if diff := cmp.Diff(tt.tail, tail); diff != "" {
				t.Errorf("repairHistory's tail (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRepairNotice(t *testing.T) {
	t.Parallel()
	shell := func(args string) model.Item {
		return model.Item{Type: model.ItemFunctionCall, Name: "shell", CallID: "c", Arguments: args}
	}
	tests := []struct {
		name    string
		made    int
		aborted []model.Item
		want    string
	}{
		{"a script", 1, []model.Item{shell(`{"command":["bash","-lc","make test\n  && echo ok"]}`)},
			"kodex stopped while this tool call was running: `make test && echo ok`; its effects, if any, are unknown, and the model is told it was aborted"},
		{"argv, exec_command and an edit", 3, []model.Item{
			shell(`{"command":["sleep","100"]}`),
			{Type: model.ItemFunctionCall, Name: "exec_command", Arguments: `{"cmd":"npm run dev"}`},
			{Type: model.ItemCustomToolCall, Name: "apply_patch", Input: "*** Begin Patch"},
		}, "kodex stopped while these 3 tool calls were running: `sleep 100`, `npm run dev`, `apply_patch`; their effects, if any, are unknown, and the model is told they were aborted"},
		{"more than three, and a lost call", 5, []model.Item{shell(`{"command":["a"]}`), shell(`{"command":["b"]}`), shell(`{"command":["c"]}`), shell(`{"command":["d"]}`)},
			"kodex stopped while these 4 tool calls were running: `a`, `b`, `c` and 1 more; their effects, if any, are unknown, and the model is told they were aborted; 1 tool result(s) whose call was in a damaged transcript line were left out"},
		{"a long command is cut", 1, []model.Item{shell(`{"command":["echo","` + strings.Repeat("x", 100) + `"]}`)},
			"kodex stopped while this tool call was running: `echo " + strings.Repeat("x", 74) + "…`; its effects, if any, are unknown, and the model is told it was aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := repairNotice(tt.made, tt.aborted); got != tt.want {
				t.Errorf("repairNotice =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
