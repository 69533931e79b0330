package plan

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

func TestSpecIsValidJSON(t *testing.T) {
	t.Parallel()
	s := New().Spec()
	if s.Name != "update_plan" || !json.Valid(s.Parameters) {
		t.Fatalf("spec = %+v", s)
	}
	if !New().ReadOnly(tools.Call{}) {
		t.Error("ReadOnly = false")
	}
}

func TestHandle(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		input   string
		want    tools.Result
		wantErr string // substring of a failed result
		emitted []protocol.EventMsg
	}{
		{
			name:  "valid",
			input: `{"explanation":" reorder ","plan":[{"step":"read","status":"completed"},{"step":"edit","status":"in_progress"},{"step":"test","status":"pending"}]}`,
			want:  tools.Result{Output: "Plan updated"},
			emitted: []protocol.EventMsg{protocol.PlanUpdate{CallID: "c1", Explanation: "reorder", Plan: []protocol.PlanItem{
				{Step: "read", Status: protocol.PlanCompleted},
				{Step: "edit", Status: protocol.PlanInProgress},
				{Step: "test", Status: protocol.PlanPending},
			}}},
		},
		{
			name:    "empty plan clears",
			input:   `{"plan":[]}`,
			want:    tools.Result{Output: "Plan updated"},
			emitted: []protocol.EventMsg{protocol.PlanUpdate{CallID: "c1", Plan: []protocol.PlanItem{}}},
		},
		{name: "two in progress", input: `{"plan":[{"step":"a","status":"in_progress"},{"step":"b","status":"in_progress"}]}`, wantErr: "at most one"},
		{name: "bad status", input: `{"plan":[{"step":"a","status":"done"}]}`, wantErr: `"done"`},
		{name: "empty step", input: `{"plan":[{"step":" ","status":"pending"}]}`, wantErr: "plan[0].step is empty"},
		{name: "missing plan", input: `{"explanation":"x"}`, wantErr: "plan is required"},
		{name: "not json", input: `{`, wantErr: "failed to parse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []protocol.EventMsg
			env := &tools.Env{Emit: func(m protocol.EventMsg) { got = append(got, m) }}
			res, err := New().Handle(context.Background(), env, tools.Call{ID: "c1", Name: Name, Input: tt.input})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				if !res.Failed || !strings.Contains(res.Output, tt.wantErr) {
					t.Errorf("result = %+v, want failure containing %q", res, tt.wantErr)
				}
				if len(got) != 0 {
					t.Errorf("emitted %v on failure", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.emitted, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
