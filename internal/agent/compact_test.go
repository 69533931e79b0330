package agent_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// isCompactRequest reports whether r is the request for a compaction
// summary: its last input item is the compaction prompt.
func isCompactRequest(r *modeltest.Request) bool {
	in := r.Input()
	return len(in) > 0 && in[len(in)-1].Text() == prompt.CompactPrompt()
}

func summaryItem(text string) wireItem { return userItem(prompt.Summary(text)) }

// TestAutoCompactBeforeTheLimit: when the last response's usage plus what
// came after passes the limit, the next request is preceded by a
// compaction: the model gets the whole conversation and the compaction
// prompt, and the request after it carries the user's messages and the
// summary instead of the history. The turn's new message is not compacted:
// it follows the summary, so it is what the model reads last.
func TestAutoCompactBeforeTheLimit(t *testing.T) {
	t.Parallel()
	rec := &fakeRecorder{}
	h := newHarness(t, agent.Options{Recorder: rec, Settings: agent.Settings{Model: "m", AutoCompactLimit: 2000}},
		modeltest.Response{Text: "First answer.", Usage: usage(1400, 100)},
		modeltest.Response{Text: "Second answer.", Usage: usage(1900, 200)},
		modeltest.Response{Text: "Goal: the word is kiwi.", Usage: usage(2200, 50)}, // the summary
		modeltest.Response{Text: "Third answer.", Usage: usage(300, 20)},
	)
	h.turn("first")
	if evs := h.turn("second"); len(msgsOf[protocol.ContextCompacted](evs)) != 0 {
		t.Fatalf("compacted at 1500 tokens with a limit of 2000")
	}
	evs := h.turn("third")

	compacted := msgsOf[protocol.ContextCompacted](evs)
	if len(compacted) != 1 || !compacted[0].Auto || compacted[0].TokensBefore <= 2000 || compacted[0].TokensAfter >= compacted[0].TokensBefore {
		t.Fatalf("ContextCompacted events = %+v; want one, auto, from over 2000 tokens to fewer", compacted)
	}
	if msgs := msgsOf[protocol.AgentMessage](evs); len(msgs) != 1 || msgs[0].Text != "Third answer." {
		t.Errorf("agent messages = %+v; the summary must not be shown as an answer", msgs)
	}
	sum := h.request(2)
	if !isCompactRequest(&sum) {
		t.Fatalf("request 3 is not the compaction request; input %+v", inputOf(sum))
	}
	wantSummarised := []wireItem{userItem("first"), assistantItem("First answer."), userItem("second"), assistantItem("Second answer."), userItem(prompt.CompactPrompt())}
	if diff := cmp.Diff(wantSummarised, inputOf(sum)); diff != "" {
		t.Errorf("the compaction request's input (-want +got):\n%s", diff)
	}
	if tools := sum.Body["tools"]; tools != nil {
		t.Errorf("the compaction request offers tools: %v", tools)
	}
	wantAfter := []wireItem{userItem("first"), userItem("second"), summaryItem("Goal: the word is kiwi."), userItem("third")}
	if diff := cmp.Diff(wantAfter, inputOf(h.request(3))); diff != "" {
		t.Errorf("the request after compaction (-want +got):\n%s", diff)
	}
	// What a resumed session starts from is the compacted history.
	items, _ := rec.snapshot()
	rec.mu.Lock()
	summaries := rec.compacted
	rec.mu.Unlock()
	if len(summaries) != 1 || summaries[0] != "Goal: the word is kiwi." {
		t.Errorf("recorded summaries = %q", summaries)
	}
	if len(items) != 5 || items[2].Text() != prompt.Summary("Goal: the word is kiwi.") || items[3].Text() != "third" || items[4].Text() != "Third answer." {
		t.Errorf("recorded history after compaction = %+v; want the compacted history and the answer", items)
	}
}

// TestAutoCompactHugeNewMessage: a new message too big to keep whole
// after the summary (over half the limit: a pasted log) is compacted with
// the rest, which keeps its end only, so the turn's request fits.
func TestAutoCompactHugeNewMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m", AutoCompactLimit: 2000}},
		modeltest.Response{Text: "First answer.", Usage: usage(1400, 100)},
		modeltest.Response{Text: "The summary.", Usage: usage(2200, 50)},
		modeltest.Response{Text: "Read it.", Usage: usage(900, 20)},
	)
	h.turn("first")
	huge := "log start " + strings.Repeat("x", 8000) + " log end"
	evs := h.turn(huge)
	if len(msgsOf[protocol.ContextCompacted](evs)) != 1 {
		t.Fatalf("no compaction; events %v", types(evs))
	}
	sum := h.request(1)
	if !isCompactRequest(&sum) || !strings.Contains(string(sum.Raw), "log start") {
		t.Errorf("the huge message is not in what was compacted")
	}
	after := inputOf(h.request(2))
	last := after[len(after)-1].Text
	if !strings.HasPrefix(last, "The earlier part of this conversation was compacted") {
		t.Errorf("the request after compaction ends with %.60q, want the summary", last)
	}
	for _, it := range after {
		if strings.Contains(it.Text, "log start") || len(it.Text) > 4000 {
			t.Errorf("the huge message went whole into the request after compaction (%d bytes)", len(it.Text))
		}
	}
}

// TestCompactOp: /compact runs as a turn of its own, and the next turn's
// request starts from the summary.
func TestCompactOp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}},
		modeltest.Text("Noted."),
		modeltest.Text("The user likes kiwis."),
		modeltest.Text("Kiwi."),
	)
	h.turn("remember kiwi")
	h.submit(protocol.Compact{})
	evs := h.until(turnEnd)
	if got := types(evs); !containsAll(strings.Join(got, " "), "turn_started", "context_compacted", "turn_complete") {
		t.Fatalf("compact op events = %v", got)
	}
	if c := msgsOf[protocol.ContextCompacted](evs); len(c) != 1 || c[0].Auto {
		t.Errorf("ContextCompacted = %+v, want one, not auto", c)
	}
	h.turn("which fruit?")
	want := []wireItem{userItem("remember kiwi"), summaryItem("The user likes kiwis."), userItem("which fruit?")}
	if diff := cmp.Diff(want, inputOf(h.request(2))); diff != "" {
		t.Errorf("the request after /compact (-want +got):\n%s", diff)
	}
}

// TestCompactOnContextWindowError: when the server says the request does
// not fit although the estimate said it would, kodex compacts and retries
// the request once.
func TestCompactOnContextWindowError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}},
		modeltest.Text("One."),
		modeltest.HTTPError(400, "context_length_exceeded", "Your input exceeds the context window of this model."),
		modeltest.Text("Summary of one."),
		modeltest.Text("Two."),
	)
	h.turn("one")
	evs := h.turn("two")
	if _, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok {
		t.Fatalf("turn ended with %T; events %v", evs[len(evs)-1].Msg, types(evs))
	}
	if len(msgsOf[protocol.ContextCompacted](evs)) != 1 {
		t.Errorf("no ContextCompacted; events %v", types(evs))
	}
	want := []wireItem{userItem("one"), summaryItem("Summary of one."), userItem("two")}
	if diff := cmp.Diff(want, inputOf(h.request(3))); diff != "" {
		t.Errorf("the retried request (-want +got):\n%s", diff)
	}
}

// TestSessionPastThreeWindows drives a session through more than three
// times its context window: every request the model gets stays under the
// window, and after each compaction the model still has the task's key
// fact (from the summary) and the user's last message.
func TestSessionPastThreeWindows(t *testing.T) {
	t.Parallel()
	const window = 8000
	answer := modeltest.Response{Func: func(r *modeltest.Request) modeltest.Response {
		if isCompactRequest(r) {
			return modeltest.Text("Task: rename the service. Key fact: the deploy id is ZEBRA-42.")
		}
		return modeltest.Text("Done with this step; " + strings.Repeat("details ", 200))
	}}
	srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{answer}, Loop: true})
	h := newHarness(t, agent.Options{Model: newClient(t, srv), Settings: agent.Settings{Model: "m", ContextWindow: window}})
	var sent int64
	for i := range 20 {
		prompt := fmt.Sprintf("step %d: %s", i, strings.Repeat("the log says ok. ", 150))
		sent += int64(len(prompt)) / 4
		h.turn(prompt)
	}
	if sent < 3*window/2 {
		t.Fatalf("the test sent only %d tokens of prompts", sent)
	}
	reqs := srv.Requests()
	compactions := 0
	for i, r := range reqs {
		if isCompactRequest(&r) {
			compactions++
			continue
		}
		if tokens := len(r.Raw) / 4; tokens > window {
			t.Errorf("request %d is about %d tokens, over the %d window", i+1, tokens, window)
		}
		if compactions > 0 && !strings.Contains(string(r.Raw), "ZEBRA-42") {
			t.Errorf("request %d, after a compaction, lacks the summary's key fact", i+1)
		}
	}
	if compactions < 3 {
		t.Errorf("%d compactions over %d requests; want the session to have passed its window at least 3 times", compactions, len(reqs))
	}
	last := reqs[len(reqs)-1]
	in := last.Input()
	if len(in) == 0 || !strings.HasPrefix(in[len(in)-1].Text(), "step 19:") && !strings.HasPrefix(in[len(in)-2].Text(), "step 19:") {
		t.Errorf("the last request lacks the user's last message near its end")
	}
	var total int
	for _, r := range reqs {
		total += len(r.Raw) / 4
	}
	if total < 3*window {
		t.Errorf("the session sent %d tokens in all; want it past 3× the %d window", total, window)
	}
}

// A summary request the model answers without text (a tool call, say) does
// not fail the turn: kodex says so and sends the request uncompacted.
func TestAutoCompactFailureIsNotFatal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m", AutoCompactLimit: 1000}},
		modeltest.Response{Text: "One.", Usage: usage(1200, 10)},
		modeltest.Response{Calls: []modeltest.Call{call("c1", "shell", `{"command":["true"]}`)}}, // not a summary
		modeltest.Text("Two."),
	)
	h.turn("one")
	evs := h.turn("two")
	if _, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok {
		t.Fatalf("turn ended with %T; events %v", evs[len(evs)-1].Msg, types(evs))
	}
	warns := msgsOf[protocol.Warning](evs)
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "the model wrote no summary; going on without compacting") {
		t.Errorf("warnings = %+v", warns)
	}
	want := []wireItem{userItem("one"), assistantItem("One."), userItem("two")}
	if diff := cmp.Diff(want, inputOf(h.request(2))); diff != "" {
		t.Errorf("the uncompacted request (-want +got):\n%s", diff)
	}
}
