package agent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

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
// can be recorded where they stand, so the next resume needs no repair;
// and the calls it gave an aborted output.
func repairHistory(in []model.Item) ([]model.Item, int, []model.Item, []model.Item) {
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
	var missing, aborted []model.Item
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
				aborted = append(aborted, it)
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
	return out, made, tail, aborted
}

// recordRepair records the outputs repairHistory made up where they stand,
// when they close the history (kodex stopped in its last turn, the usual
// case), so that the next resume, or a fork, starts from a whole history
// and does not warn again; and with them, for each command that was
// running, its end as aborted, so that a replayed transcript shows the
// command (its begin was never recorded). It runs before the session
// starts, so a frontend replaying the transcript sees them.
func (s *Session) recordRepair() {
	if len(s.repairedTail) == 0 || s.opts.Recorder == nil {
		s.repairedTail = nil
		return
	}
	if err := s.opts.Recorder.RecordItems(s.repairedTail...); err != nil {
		s.log.Warn("recording the aborted outputs", "err", err)
	}
	for _, c := range s.abortedCalls {
		if argv := callArgv(c); len(argv) > 0 {
			end := protocol.ExecEnd{CallID: c.CallID, Command: argv, ExitCode: -1, AggregatedOutput: abortedOutput}
			if err := s.opts.Recorder.RecordEvent(end); err != nil {
				s.log.Warn("recording an aborted command", "err", err)
			}
		}
	}
	s.repairedTail = nil
}

// callArgv is the command a shell tool call runs (shell's argv, or
// shell_command's and exec_command's command line under bash -lc), or nil
// for any other call.
func callArgv(c model.Item) []string {
	if c.Type != model.ItemFunctionCall {
		return nil
	}
	var args struct {
		Command json.RawMessage `json:"command"`
		Cmd     string          `json:"cmd"`
	}
	if json.Unmarshal([]byte(c.Arguments), &args) != nil {
		return nil
	}
	var argv []string
	var line string
	switch {
	case args.Cmd != "":
		return []string{"bash", "-lc", args.Cmd}
	case json.Unmarshal(args.Command, &argv) == nil && len(argv) > 0:
		return argv
	case json.Unmarshal(args.Command, &line) == nil && line != "":
		return []string{"bash", "-lc", line}
	}
	return nil
}

// repairNotice tells the user what repairHistory did: which calls were
// running when kodex stopped (their effects are unknown), and how many
// outputs were left out because their call's line was lost.
func repairNotice(made int, aborted []model.Item) string {
	var parts []string
	if n := len(aborted); n > 0 {
		const shown = 3
		var names []string
		for _, c := range aborted[:min(n, shown)] {
			names = append(names, "`"+callSummary(c)+"`")
		}
		list := strings.Join(names, ", ")
		if n > shown {
			list += fmt.Sprintf(" and %d more", n-shown)
		}
		if n == 1 {
			parts = append(parts, fmt.Sprintf("kodex stopped while this tool call was running: %s; its effects, if any, are unknown, and the model is told it was aborted", list))
		} else {
			parts = append(parts, fmt.Sprintf("kodex stopped while these %d tool calls were running: %s; their effects, if any, are unknown, and the model is told they were aborted", n, list))
		}
	}
	if lost := made - len(aborted); lost > 0 {
		parts = append(parts, fmt.Sprintf("%d tool result(s) whose call was in a damaged transcript line were left out", lost))
	}
	return strings.Join(parts, "; ")
}

// callSummary is a tool call in a few words: a command's script or
// argv, else the tool's name; one line, at most 80 characters.
func callSummary(c model.Item) string {
	s := c.Name
	switch argv := callArgv(c); {
	case len(argv) == 3 && (argv[1] == "-c" || argv[1] == "-lc"):
		s = argv[2]
	case len(argv) > 0:
		s = strings.Join(argv, " ")
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}
