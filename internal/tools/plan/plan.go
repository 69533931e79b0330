// Package plan implements the update_plan tool: the model records a short
// checklist of steps with their status, and kodex shows it to the user as a
// protocol.PlanUpdate event. The tool changes nothing on disk and keeps no
// state; the plan lives in the event stream and the conversation.
package plan

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Name is the tool's name as the model sees it.
const Name = "update_plan"

const description = `Record or revise your plan for the current task and show it to the user.

Use it for work with several distinct steps; skip it for a one-step task. Send the whole plan every time (it replaces the previous one): short steps, each with a status of pending, in_progress or completed. Keep at most one step in_progress, mark steps completed as soon as they are done, and add an explanation when you change the plan. The user sees the plan; the tool returns no information of its own.`

var parameters = json.RawMessage(`{
  "type": "object",
  "properties": {
    "explanation": {"type": "string", "description": "Optional: why the plan is new or changed."},
    "plan": {
      "type": "array",
      "description": "The steps, in order.",
      "items": {
        "type": "object",
        "properties": {
          "step": {"type": "string", "description": "What to do, in a few words."},
          "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]}
        },
        "required": ["step", "status"],
        "additionalProperties": false
      }
    }
  },
  "required": ["plan"],
  "additionalProperties": false
}`)

// Tool is the update_plan tool. The zero value is ready to use.
type Tool struct{}

// New returns the tool.
func New() Tool { return Tool{} }

var _ tools.ReadOnly = Tool{}

// Spec implements tools.Tool.
func (Tool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: Name, Description: description, Parameters: parameters}
}

// ReadOnly implements tools.ReadOnly: updating the plan touches nothing.
func (Tool) ReadOnly(tools.Call) bool { return true }

type args struct {
	Explanation string              `json:"explanation"`
	Plan        []protocol.PlanItem `json:"plan"`
}

// Handle validates the plan, emits a protocol.PlanUpdate and answers
// "Plan updated". Invalid plans are errors the model sees.
func (Tool) Handle(_ context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a args
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return res, nil
	}
	if a.Plan == nil {
		return tools.ErrorResult("plan is required: an array of {step, status}"), nil
	}
	inProgress := 0
	for i, it := range a.Plan {
		if strings.TrimSpace(it.Step) == "" {
			return tools.ErrorResult("plan[%d].step is empty", i), nil
		}
		switch it.Status {
		case protocol.PlanPending, protocol.PlanCompleted:
		case protocol.PlanInProgress:
			inProgress++
		default:
			return tools.ErrorResult("plan[%d].status is %q; want pending, in_progress or completed", i, it.Status), nil
		}
	}
	if inProgress > 1 {
		return tools.ErrorResult("%d steps are in_progress; at most one step may be in_progress at a time", inProgress), nil
	}
	if env != nil && env.Emit != nil {
		env.Emit(protocol.PlanUpdate{CallID: call.ID, Explanation: strings.TrimSpace(a.Explanation), Plan: a.Plan})
	}
	return tools.Result{Output: "Plan updated"}, nil
}
