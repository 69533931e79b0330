package agent

import "github.com/kodex-cli/kodex/internal/model"

// abortedOutput is the output given to a call whose own output was never
// recorded: kodex stopped (was killed, crashed) while it ran.
const abortedOutput = "aborted: kodex stopped before this call finished; its effects, if any, are unknown"

// repairHistory returns a copy of a restored history in which every tool
// call has an output, as the model API requires: a call left without one
// by a kodex that stopped mid-turn gets abortedOutput, placed after the
// run of calls it belongs to (so Chat Completions' tool messages stay next
// to their assistant message). Finished calls' outputs are recorded as
// they finish, so only calls that really did not finish are affected.
// An output whose call is not in the history (its line was damaged and
// skipped) is dropped, as the API would refuse it. It also returns how many
// items it made up or dropped, and the outputs it made up when they all
// close the history (kodex stopped in its last turn, the usual case): those
// can be recorded where they stand, so the next resume needs no repair.
func repairHistory(in []model.Item) ([]model.Item, int, []model.Item) {
	answered, called := map[string]bool{}, map[string]bool{}
	for _, it := range in {
		switch it.Type {
		case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
			answered[it.CallID] = true
		case model.ItemFunctionCall, model.ItemCustomToolCall:
			called[it.CallID] = true
		case model.ItemMessage, model.ItemReasoning, model.ItemCompaction:
		}
	}
	out := make([]model.Item, 0, len(in))
	var missing []model.Item
	made, early := 0, false // early: an item made up or dropped before the tail
	flush := func() {
		early = early || len(missing) > 0
		out = append(out, missing...)
		missing = missing[:0]
	}
	for _, it := range in {
		switch it.Type {
		case model.ItemFunctionCall, model.ItemCustomToolCall:
			out = append(out, it)
			if !answered[it.CallID] {
				typ := model.ItemFunctionCallOutput
				if it.Type == model.ItemCustomToolCall {
					typ = model.ItemCustomToolCallOutput
				}
				missing = append(missing, model.Item{Type: typ, CallID: it.CallID, Output: abortedOutput})
				made++
				answered[it.CallID] = true
			}
			continue
		case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
			// the run's recorded outputs first, then the made-up ones
			if !called[it.CallID] {
				made++ // an output whose call was lost (a damaged line): dropped
				early = true
				continue
			}
		default:
			flush()
		}
		out = append(out, it)
	}
	var tail []model.Item
	if !early {
		tail = append(tail, missing...)
	}
	out = append(out, missing...)
	return out, made, tail
}
