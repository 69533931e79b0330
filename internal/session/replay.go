package session

import (
	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/model"
)

// ReplayItem is one step of a recorded conversation as a frontend replays
// it: the user's message, an answer, a reasoning summary, or a tool call
// with its output.
type ReplayItem struct {
	// Kind is "user", "agent", "thought" or "tool".
	Kind string
	Text string
	// A tool call: its id, name, arguments (JSON, or a freeform tool's
	// input) and output.
	CallID, Name, Input, Output string
}

// Replay is a conversation (a resumed session's History) as the steps a
// frontend shows, in order: the context kodex injects is left out, and a
// tool call's output joins its call.
func Replay(history []model.Item) []ReplayItem {
	var out []ReplayItem
	calls := map[string]int{} // call id → index in out
	for _, it := range history {
		switch it.Type {
		case model.ItemMessage:
			text := it.Text()
			switch {
			case it.Role == model.RoleUser && !prompt.IsInjected(text):
				out = append(out, ReplayItem{Kind: "user", Text: text})
			case it.Role == model.RoleAssistant && text != "":
				out = append(out, ReplayItem{Kind: "agent", Text: text})
			}
		case model.ItemReasoning:
			if text := it.Text(); text != "" {
				out = append(out, ReplayItem{Kind: "thought", Text: text})
			}
		case model.ItemFunctionCall, model.ItemCustomToolCall:
			if it.Name == "update_plan" {
				continue
			}
			input := it.Arguments
			if it.Type == model.ItemCustomToolCall {
				input = it.Input
			}
			calls[it.CallID] = len(out)
			out = append(out, ReplayItem{Kind: "tool", CallID: it.CallID, Name: it.Name, Input: input})
		case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
			if i, ok := calls[it.CallID]; ok {
				out[i].Output = it.Output
			}
		case model.ItemCompaction: // the provider's; nothing to show
		}
	}
	return out
}
