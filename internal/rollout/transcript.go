package rollout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Step is one step of a recorded session as a frontend shows it on resume:
// a message the user typed (User), or an event the session recorded (its
// answers, reasoning, commands and their results, edits, plans, token
// counts, turn ends and interruptions).
type Step struct {
	User  string
	Event protocol.EventMsg
}

// maxStepOutput bounds the output a replayed command keeps (its tail): a
// frontend shows a command's last lines.
const maxStepOutput = 8 << 10

// Transcript reads the rollout at path, streaming, and returns its last
// keep steps in order, from the first line (compactions do not hide what
// the user saw). injected reports the user messages kodex wrote itself
// (instructions, environment context), which are left out. Damaged lines are
// skipped, as Load does.
//
// A fork's rollout opens with a copy of its source's lines (see
// internal/session), so it replays as its source does. One made before
// kodex copied the lines opens with the conversation it copied, as history
// items and before any event: the answers and reasoning among those items
// are steps too, so that such a fork shows the whole conversation it
// continues, not only the user's messages. After the first event (but a
// token count), answers come from the events (the items repeat them).
func Transcript(path string, keep int, injected func(string) bool) ([]Step, error) {
	return steps(path, keep, injected, func(protocol.EventMsg) bool { return true })
}

// Conversation reads the rollout at path as Transcript does, keeping only
// the user's messages, the answers, and the turn checkpoints and rewinds
// that say which turns a rewind took back (the last keep of them): the
// whole conversation as it was shown, from the first line, whatever
// compactions left of it in the history.
func Conversation(path string, keep int, injected func(string) bool) ([]Step, error) {
	return steps(path, keep, injected, func(ev protocol.EventMsg) bool {
		switch ev.(type) {
		case protocol.AgentMessage, protocol.TurnCheckpoint, protocol.ConversationRewound:
			return true
		}
		return false
	})
}

// steps returns the last keep steps of the rollout at path whose events
// pass want (user messages always do).
func steps(path string, keep int, injected func(string) bool, want func(protocol.EventMsg) bool) ([]Step, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	ring := make([]Step, 0, min(keep, 1024))
	next := 0 // where the ring's oldest step is, once full
	add := func(s Step) {
		if keep <= 0 || (s.Event != nil && !want(s.Event)) {
			return
		}
		if len(ring) < keep {
			ring = append(ring, s)
			return
		}
		ring[next] = s
		next = (next + 1) % keep
	}
	sawEvent := false
	_, err = scan(f, func(n int, typ string, payload []byte) error {
		switch typ {
		case TypeResponseItem:
			if toolItem(payload) {
				return nil // never a step; most of a long rollout's bytes
			}
			var it model.Item
			if json.Unmarshal(payload, &it) != nil {
				return nil
			}
			if s, ok := copiedStep(it, sawEvent, injected); ok {
				add(s)
			}
		case TypeEvent:
			// A fork's copied conversation may hold the token count
			// that says how full its context is (see internal/session).
			et := eventType(payload)
			sawEvent = sawEvent || et != "token_count"
			if et == "token_count" && !want(protocol.TokenCount{}) {
				return nil // the frequent event most callers skip, not decoded
			}
			var ev protocol.Event
			if json.Unmarshal(payload, &ev) != nil || ev.Msg == nil || !Persisted(ev.Msg) {
				return nil
			}
			if e, ok := ev.Msg.(protocol.ExecEnd); ok && len(e.AggregatedOutput) > maxStepOutput {
				e.AggregatedOutput = e.AggregatedOutput[len(e.AggregatedOutput)-maxStepOutput:]
				ev.Msg = e
			}
			add(Step{Event: ev.Msg})
		}
		return nil
	}, nil, func(int, error) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("reading rollout %s: %w", path, err)
	}
	return append(ring[next:], ring[:next]...), nil
}

// toolItem reports, without decoding it, whether an encoded history item
// is a tool call or its output (model.Item encodes its type first).
func toolItem(payload []byte) bool {
	return bytes.HasPrefix(payload, []byte(`{"type":"function_call`)) ||
		bytes.HasPrefix(payload, []byte(`{"type":"custom_tool_call`))
}

// copiedStep is the step a history item makes: a user's message always;
// an answer or a reasoning summary only before the first event, where a
// fork's copied conversation is.
func copiedStep(it model.Item, sawEvent bool, injected func(string) bool) (Step, bool) {
	text := it.Text()
	switch {
	case it.Type == model.ItemMessage && it.Role == model.RoleUser:
		if text != "" && (injected == nil || !injected(text)) {
			return Step{User: text}, true
		}
	case sawEvent || text == "":
	case it.Type == model.ItemMessage && it.Role == model.RoleAssistant:
		return Step{Event: protocol.AgentMessage{ItemID: it.ID, Text: text}}, true
	case it.Type == model.ItemReasoning:
		return Step{Event: protocol.Reasoning{ItemID: it.ID, Text: text}}, true
	}
	return Step{}, false
}
