package agent_test

import (
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// serverCompaction configures the test client as one whose provider
// compacts server-side.
func serverCompaction(o *openai.Options) { o.Compaction = true }

// envOpening opens every request with an environment context, as the
// real opening does.
func envOpening(agent.Settings) ([]model.Item, []string) {
	return []model.Item{model.UserText(prompt.EnvironmentContextPrefix + "<cwd>/w</cwd></environment_context>")}, nil
}

func compactionItem(enc string) wireItem { return wireItem{Type: model.ItemCompaction, Text: enc} }

// TestRemoteAutoCompact: with a client whose provider compacts
// server-side, auto-compaction sends the conversation (opening items,
// history, tools) to the compaction endpoint, not a summary request; the
// history becomes what the server returned less the opening context, the
// next request starts from it (the compaction item as it came, the last
// user message in it), and the rollout records it.
func TestRemoteAutoCompact(t *testing.T) {
	t.Parallel()
	rec := &fakeRecorder{}
	h := newHarnessClient(t, agent.Options{Recorder: rec, Opening: envOpening, Tools: router(t, echo("echo")), Settings: agent.Settings{Model: "m", AutoCompactLimit: 2000}},
		serverCompaction,
		modeltest.Response{Text: "First answer.", Usage: usage(1400, 100)},
		modeltest.Response{Text: "Second answer.", Usage: usage(1900, 200)},
		modeltest.Response{Compaction: "ENC-1", Usage: usage(2200, 80)},
		modeltest.Response{Text: "Third answer.", Usage: usage(300, 20)},
	)
	h.turn("first")
	h.turn("second")
	evs := h.turn("third")

	if w := msgsOf[protocol.Warning](evs); len(w) != 0 {
		t.Errorf("warnings %+v", w)
	}
	compacted := msgsOf[protocol.ContextCompacted](evs)
	if len(compacted) != 1 || !compacted[0].Auto || compacted[0].TokensAfter >= compacted[0].TokensBefore {
		t.Fatalf("ContextCompacted = %+v; want one, auto, to fewer tokens", compacted)
	}
	if tc := msgsOf[protocol.TokenCount](evs); len(tc) == 0 || tc[0].Last.TotalTokens != 2280 {
		t.Errorf("token counts %+v; want the compaction's usage first", tc)
	}
	cmp3 := h.request(2)
	if cmp3.Path != "/v1/responses/compact" {
		t.Fatalf("request 3 went to %s, want /v1/responses/compact", cmp3.Path)
	}
	env := userItem(prompt.EnvironmentContextPrefix + "<cwd>/w</cwd></environment_context>")
	// Compacted before the turn's first request: the new message is not
	// part of what is compacted, and follows it (as in Codex, where the
	// pre-turn compaction runs before the turn's input is recorded).
	wantSent := []wireItem{env, userItem("first"), assistantItem("First answer."), userItem("second"), assistantItem("Second answer.")}
	if diff := cmp.Diff(wantSent, inputOf(cmp3)); diff != "" {
		t.Errorf("the compaction request's input (-want +got):\n%s", diff)
	}
	if tools, _ := cmp3.Body["tools"].([]any); len(tools) == 0 {
		t.Errorf("the compaction request offers no tools: %v", cmp3.Body["tools"])
	}
	wantAfter := []wireItem{env, userItem("first"), userItem("second"), compactionItem("ENC-1"), userItem("third")}
	next := h.request(3)
	if diff := cmp.Diff(wantAfter, inputOf(next)); diff != "" {
		t.Errorf("the request after compaction (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(next.Raw), `{"type":"compaction","id":"cmp_3","encrypted_content":"ENC-1"}`) {
		t.Errorf("the compaction item was not sent back as it came: %s", next.Raw)
	}

	items, _ := rec.snapshot()
	rec.mu.Lock()
	summaries := rec.compacted
	rec.mu.Unlock()
	if len(summaries) != 1 || summaries[0] != "" {
		t.Errorf("recorded summaries = %q, want one, empty (the provider's compaction)", summaries)
	}
	want := []model.Item{model.UserText("first"), model.UserText("second"),
		{Type: model.ItemCompaction, ID: "cmp_3", EncryptedContent: "ENC-1"}, model.UserText("third")}
	if len(items) != 5 || !cmp.Equal(want, items[:4]) || items[4].Text() != "Third answer." {
		t.Errorf("recorded history after compaction = %+v; want the replacement and the answer", items)
	}
}

// TestRemoteCompactFallsBackToLocal: when the compaction endpoint fails
// (here: the provider does not have it), the conversation is summarised by
// the model instead, with a warning; the turn goes on.
func TestRemoteCompactFallsBackToLocal(t *testing.T) {
	t.Parallel()
	h := newHarnessClient(t, agent.Options{Settings: agent.Settings{Model: "m"}}, serverCompaction,
		modeltest.Text("Noted."),
		modeltest.HTTPError(400, "invalid_request_error", "compaction is not supported for this model"),
		modeltest.Text("The user likes kiwis."),
		modeltest.Text("Kiwi."),
	)
	h.turn("remember kiwi")
	h.submit(protocol.Compact{})
	evs := h.until(turnEnd)
	if _, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok {
		t.Fatalf("the compaction ended with %T; events %v", evs[len(evs)-1].Msg, types(evs))
	}
	w := msgsOf[protocol.Warning](evs)
	if len(w) != 1 || !strings.Contains(w[0].Message, "compaction is not supported") || !strings.Contains(w[0].Message, "summarises it instead") {
		t.Errorf("warnings %+v; want one naming the failure and the fallback", w)
	}
	if c := msgsOf[protocol.ContextCompacted](evs); len(c) != 1 {
		t.Errorf("ContextCompacted = %+v, want one", c)
	}
	if r := h.request(1); r.Path != "/v1/responses/compact" {
		t.Errorf("request 2 went to %s", r.Path)
	}
	if r := h.request(2); !isCompactRequest(&r) {
		t.Errorf("request 3 is not the local summary request: %+v", inputOf(r))
	}
	h.turn("which fruit?")
	want := []wireItem{userItem("remember kiwi"), summaryItem("The user likes kiwis."), userItem("which fruit?")}
	if diff := cmp.Diff(want, inputOf(h.request(3))); diff != "" {
		t.Errorf("the request after the fallback (-want +got):\n%s", diff)
	}
}

// TestRemoteCompactWithoutCompactionFallsBack: an answer without a
// compaction item is not a compacted conversation.
func TestRemoteCompactWithoutCompactionFallsBack(t *testing.T) {
	t.Parallel()
	h := newHarnessClient(t, agent.Options{Settings: agent.Settings{Model: "m"}}, serverCompaction,
		modeltest.Text("Noted."),
		modeltest.Response{CompactOutput: nil, Status: 200, Body: `{"output":[{"type":"message","role":"user","content":[{"type":"input_text","text":"remember kiwi"}]}]}`},
		modeltest.Text("The user likes kiwis."),
	)
	h.turn("remember kiwi")
	h.submit(protocol.Compact{})
	evs := h.until(turnEnd)
	if w := msgsOf[protocol.Warning](evs); len(w) != 1 || !strings.Contains(w[0].Message, "no compaction item") {
		t.Errorf("warnings %+v", w)
	}
	if c := msgsOf[protocol.ContextCompacted](evs); len(c) != 1 {
		t.Errorf("ContextCompacted = %+v, want one (local)", c)
	}
}

// TestResumedCompactionIsSentBack: a session resumed from a compacted
// history sends its compaction item back verbatim.
func TestResumedCompactionIsSentBack(t *testing.T) {
	t.Parallel()
	hist := []model.Item{model.UserText("the word is kiwi"), {Type: model.ItemCompaction, ID: "cmp_9", EncryptedContent: "gAAAA=="}}
	h := newHarnessClient(t, agent.Options{History: hist, Resumed: true, Settings: agent.Settings{Model: "m"}}, serverCompaction,
		modeltest.Text("Kiwi."))
	h.turn("what was the word?")
	r := h.request(0)
	want := []wireItem{userItem("the word is kiwi"), compactionItem("gAAAA=="), userItem("what was the word?")}
	if diff := cmp.Diff(want, inputOf(r)); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(r.Raw), `{"type":"compaction","id":"cmp_9","encrypted_content":"gAAAA=="}`) {
		t.Errorf("the compaction item was not sent as recorded: %s", r.Raw)
	}
}

// TestCompactionReleasesRestoredHistory: a resumed session shows its
// restored history (RestoredHistory) until it compacts; then nothing of the
// session holds the restored items any more, and the memory is freed.
func TestCompactionReleasesRestoredHistory(t *testing.T) {
	for _, remote := range []bool{false, true} {
		name := map[bool]string{false: "local", true: "remote"}[remote]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mod func(*openai.Options)
			summary := modeltest.Text("A summary.")
			if remote {
				mod, summary = serverCompaction, modeltest.Compacted("ENC")
			}
			hist, alive := restoredHistory()
			h := newHarnessClient(t, agent.Options{History: hist, Resumed: true, Settings: agent.Settings{Model: "m"}}, mod, summary)
			if got := len(h.s.RestoredHistory()); got != 3 {
				t.Fatalf("RestoredHistory has %d items before compaction, want 3", got)
			}
			h.submit(protocol.Compact{})
			if c := msgsOf[protocol.ContextCompacted](h.until(turnEnd)); len(c) != 1 {
				t.Fatalf("no compaction: %+v", c)
			}
			if got := h.s.RestoredHistory(); got != nil {
				t.Errorf("RestoredHistory after compaction = %d items, want nil", len(got))
			}
			for range 5 {
				runtime.GC()
				if alive.Value() == nil {
					return
				}
			}
			t.Errorf("the restored history's backing array is still referenced after compaction")
		})
	}
}

// restoredHistory returns a history as a resume loads it, and a weak
// pointer to its backing array.
func restoredHistory() ([]model.Item, weak.Pointer[model.Item]) {
	hist := make([]model.Item, 3, 4)
	hist[0] = model.UserText("one " + strings.Repeat("x", 1<<16))
	hist[1] = model.Item{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: "ok"}}}
	hist[2] = model.UserText("two")
	return hist, weak.Make(&hist[0])
}
