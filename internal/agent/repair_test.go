package agent

import (
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
			got, made, tail := repairHistory(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" || made != tt.made {
				t.Errorf("repairHistory: made %d, want %d; (-want +got):\n%s", made, tt.made, diff)
			}
			if diff := cmp.Diff(tt.tail, tail); diff != "" {
				t.Errorf("repairHistory's tail (-want +got):\n%s", diff)
			}
		})
	}
}
