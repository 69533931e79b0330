package appserver

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// threadState is an open thread of a connection: its pump turns the
// session's events into notifications, in order.
type threadState struct {
	c  *conn
	th Thread
	id string
	// A handler holds the thread (hold … release) while it submits an op
	// and writes the response, so that the response comes before what the
	// op caused: meanwhile the pump keeps reading (the session never waits
	// on a held thread) but queues what it reads; release writes the queue.
	// writeMu makes the writes of the pump and of release one sequence.
	mu      sync.Mutex
	held    bool
	queue   []protocol.Event
	writeMu sync.Mutex
	done    chan struct{}

	// written under writeMu
	turn     string // the running turn (written under mu too)
	steers   int
	started  map[string]bool
	cwds     map[string]string // running commands' cwd, by call id
	partial  map[string][]byte // a cut UTF-8 sequence of a command's output
	turnAt   map[string]time.Time
	diffs    []string
	inputsMu sync.Mutex
	inputs   map[string][]userInput // submitted turn → its input (the userMessage item)
	shutOnce sync.Once
}

func newThreadState(c *conn, th Thread, id string) *threadState {
	return &threadState{
		c: c, th: th, id: id, done: make(chan struct{}),
		started: map[string]bool{}, cwds: map[string]string{}, partial: map[string][]byte{}, turnAt: map[string]time.Time{}, inputs: map[string][]userInput{},
	}
}

// pump writes the thread's events until the session ends, then closes it.
// Once the client is gone, writes fail at once and events are drained, so
// the session never blocks on a dead connection.
func (t *threadState) pump() {
	defer close(t.done)
	for ev := range t.th.Events() {
		t.mu.Lock()
		if t.held {
			t.queue = append(t.queue, ev)
			t.mu.Unlock()
			continue
		}
		t.mu.Unlock()
		t.writeMu.Lock()
		t.event(ev)
		t.writeMu.Unlock()
	}
	t.th.Close()
}

// hold queues the thread's events until release.
func (t *threadState) hold() {
	t.mu.Lock()
	t.held = true
	t.mu.Unlock()
}

// release writes what was queued while held, before anything newer.
func (t *threadState) release() {
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	t.mu.Lock()
	q := t.queue
	t.queue, t.held = nil, false
	t.mu.Unlock()
	for _, ev := range q {
		t.event(ev)
	}
}

// shutdown interrupts the running turn and ends the session; the pump
// drains what is left.
func (t *threadState) shutdown() {
	t.shutOnce.Do(func() {
		// A session that already ended takes no more ops: give up then.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-t.done
			cancel()
		}()
		_, _ = t.th.Submit(ctx, protocol.Interrupt{})
		_, _ = t.th.Submit(ctx, protocol.Shutdown{})
		<-t.done
	})
	<-t.done
}

func (t *threadState) notify(method string, params any) {
	t.c.notify(method, params)
}

func (t *threadState) nowMs() int64 { return millis(t.c.opts.Now()) }

type itemNote struct {
	ThreadID    string `json:"threadId"`
	TurnID      string `json:"turnId"`
	Item        item   `json:"item"`
	StartedAtMs *int64 `json:"startedAtMs,omitempty"`
	CompletedMs *int64 `json:"completedAtMs,omitempty"`
}

func (t *threadState) itemStarted(turnID string, it item) {
	id, _ := it["id"].(string)
	if t.started[id] {
		return
	}
	t.started[id] = true
	now := t.nowMs()
	t.notify("item/started", itemNote{ThreadID: t.id, TurnID: turnID, Item: it, StartedAtMs: &now})
}

func (t *threadState) itemCompleted(turnID string, it item) {
	id, _ := it["id"].(string)
	delete(t.started, id)
	now := t.nowMs()
	t.notify("item/completed", itemNote{ThreadID: t.id, TurnID: turnID, Item: it, CompletedMs: &now})
}

type deltaNote struct {
	ThreadID     string `json:"threadId"`
	TurnID       string `json:"turnId"`
	ItemID       string `json:"itemId"`
	Delta        string `json:"delta"`
	SummaryIndex *int   `json:"summaryIndex,omitempty"`
}

// terminalNote is item/commandExecution/terminalInteraction's params.
type terminalNote struct {
	ThreadID  string `json:"threadId"`
	TurnID    string `json:"turnId"`
	ItemID    string `json:"itemId"`
	ProcessID string `json:"processId"`
	Stdin     string `json:"stdin"`
}

type turnNote struct {
	ThreadID string `json:"threadId"`
	Turn     turn   `json:"turn"`
}

type errorNote struct {
	ThreadID  string    `json:"threadId"`
	TurnID    string    `json:"turnId"`
	Error     turnError `json:"error"`
	WillRetry bool      `json:"willRetry"`
}

// event translates one session event (see docs/protocol.md for the map).
func (t *threadState) event(ev protocol.Event) {
	turnID := ev.ID
	if turnID == "" {
		turnID = t.turn
	}
	switch m := ev.Msg.(type) {
	case protocol.TurnStarted:
		t.turnStarted(m.TurnID)
	case protocol.TurnComplete:
		t.turnEnded(m.TurnID, "completed", nil)
	case protocol.TurnAborted:
		t.turnEnded(m.TurnID, "interrupted", nil)
	case protocol.TurnFailed:
		te := turnError{Message: m.Error.Message, AdditionalDetails: strPtr(m.Error.Hint)}
		t.notify("error", errorNote{ThreadID: t.id, TurnID: m.TurnID, Error: te})
		t.turnEnded(m.TurnID, "failed", &te)
	case protocol.AgentMessageDelta:
		t.itemStarted(turnID, agentMessage(m.ItemID, ""))
		t.notify("item/agentMessage/delta", deltaNote{ThreadID: t.id, TurnID: turnID, ItemID: m.ItemID, Delta: m.Delta})
	case protocol.AgentMessage:
		t.itemStarted(turnID, agentMessage(m.ItemID, ""))
		t.itemCompleted(turnID, agentMessage(m.ItemID, m.Text))
	case protocol.ReasoningDelta:
		t.itemStarted(turnID, reasoning(m.ItemID, ""))
		zero := 0
		t.notify("item/reasoning/summaryTextDelta", deltaNote{ThreadID: t.id, TurnID: turnID, ItemID: m.ItemID, Delta: m.Delta, SummaryIndex: &zero})
	case protocol.Reasoning:
		t.itemStarted(turnID, reasoning(m.ItemID, ""))
		t.itemCompleted(turnID, reasoning(m.ItemID, m.Text))
	case protocol.ExecBegin:
		t.cwds[m.CallID] = m.Cwd
		t.itemStarted(turnID, command(m.CallID, m.Command, m.Cwd, "inProgress", nil))
	case protocol.ExecOutputDelta:
		if d := t.text(m.CallID, m.Chunk, false); d != "" {
			t.notify("item/commandExecution/outputDelta", deltaNote{ThreadID: t.id, TurnID: turnID, ItemID: m.CallID, Delta: d})
		}
	case protocol.TerminalInteraction: // write_stdin to a process exec_command left running
		t.notify("item/commandExecution/terminalInteraction", terminalNote{
			ThreadID: t.id, TurnID: turnID, ItemID: m.CallID, ProcessID: strconv.Itoa(m.ProcessID), Stdin: m.Stdin,
		})
	case protocol.ExecEnd:
		if d := t.text(m.CallID, nil, true); d != "" {
			t.notify("item/commandExecution/outputDelta", deltaNote{ThreadID: t.id, TurnID: turnID, ItemID: m.CallID, Delta: d})
		}
		cwd := t.cwds[m.CallID]
		delete(t.cwds, m.CallID)
		t.itemCompleted(turnID, command(m.CallID, m.Command, cwd, execStatus(m), &m))
	case protocol.ExecApprovalRequest:
		// As Codex does: the command is an item before it is asked about.
		t.cwds[m.CallID] = m.Cwd
		t.itemStarted(turnID, command(m.CallID, m.Command, m.Cwd, "inProgress", nil))
		t.askExec(turnID, m)
	case protocol.PatchApprovalRequest:
		t.itemStarted(turnID, fileChange(m.CallID, m.Changes, "inProgress"))
		t.askPatch(turnID, m)
	case protocol.PatchApplyBegin:
		t.itemStarted(turnID, fileChange(m.CallID, m.Changes, "inProgress"))
	case protocol.PatchApplyEnd:
		t.patchEnded(turnID, m)
	case protocol.McpToolCallBegin:
		t.itemStarted(turnID, mcpCall(m.CallID, m.Server, m.Tool, m.Arguments, nil))
	case protocol.McpToolCallEnd:
		t.itemCompleted(turnID, mcpCall(m.CallID, m.Server, m.Tool, m.Arguments, &m))
	case protocol.McpToolApprovalRequest:
		t.askMCP(turnID, m)
	case protocol.McpElicitationRequest:
		t.askElicitation(turnID, m)
	case protocol.PlanUpdate:
		t.notify("turn/plan/updated", planNote(t.id, turnID, m))
	case protocol.TokenCount:
		t.notify("thread/tokenUsage/updated", usageNote(t.id, turnID, m))
	case protocol.ContextCompacted:
		it := item{"type": "contextCompaction", "id": "compaction-" + turnID}
		t.itemStarted(turnID, it)
		t.itemCompleted(turnID, it)
	case protocol.McpServerStatus:
		n := map[string]any{"threadId": t.id, "name": m.Server, "status": m.State}
		if m.Error != "" {
			n["error"] = m.Error
		}
		t.notify("mcpServer/startupStatus/updated", n)
	case protocol.Warning:
		t.notify("warning", map[string]any{"threadId": t.id, "message": m.Message})
	case protocol.Retry:
		t.notify("error", errorNote{ThreadID: t.id, TurnID: turnID, Error: turnError{Message: m.String()}, WillRetry: true})
	case protocol.Error:
		t.notify("error", errorNote{ThreadID: t.id, TurnID: turnID, Error: turnError{Message: m.Message, AdditionalDetails: strPtr(m.Hint)}})
	}
}

// text is a command's output chunk as text: a UTF-8 sequence cut between
// two chunks is held back and sent whole with the next (end: everything
// left, as it is).
func (t *threadState) text(callID string, chunk []byte, end bool) string {
	b := append(t.partial[callID], chunk...)
	delete(t.partial, callID)
	if end {
		return string(b)
	}
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(b) {
		t.partial[callID] = append([]byte(nil), b[cut:]...)
	}
	return string(b[:cut])
}

// status announces the thread's status: active (with flags) or idle.
func (t *threadState) status(active bool, flags ...string) {
	st := threadStatus{Type: "idle"}
	if active {
		st = threadStatus{Type: "active", ActiveFlags: append([]string{}, flags...)}
	}
	t.notify("thread/status/changed", statusNote{ThreadID: t.id, Status: st})
}

type statusNote struct {
	ThreadID string       `json:"threadId"`
	Status   threadStatus `json:"status"`
}

// running is the turn running as the client has been told.
func (t *threadState) running() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.turn
}

func (t *threadState) setTurn(id string) {
	t.mu.Lock()
	t.turn = id
	t.mu.Unlock()
}

func (t *threadState) turnStarted(id string) {
	t.setTurn(id)
	t.status(true)
	t.diffs = nil
	now := t.c.opts.Now()
	t.turnAt[id] = now
	at := now.Unix()
	t.notify("turn/started", turnNote{ThreadID: t.id, Turn: turn{ID: id, Items: []item{}, Status: "inProgress", StartedAt: &at}})
	t.inputsMu.Lock()
	in := t.inputs[id]
	delete(t.inputs, id)
	t.inputsMu.Unlock()
	if in != nil {
		it := item{"type": "userMessage", "id": "user-" + id, "content": userContent(in)}
		t.itemStarted(id, it)
		t.itemCompleted(id, it)
	}
}

func (t *threadState) turnEnded(id, status string, te *turnError) {
	now := t.c.opts.Now()
	tr := turn{ID: id, Items: []item{}, Status: status, Error: te}
	if at, ok := t.turnAt[id]; ok {
		s, c, d := at.Unix(), now.Unix(), now.Sub(at).Milliseconds()
		tr.StartedAt, tr.CompletedAt, tr.DurationMs = &s, &c, &d
		delete(t.turnAt, id)
	}
	if t.turn == id {
		t.setTurn("")
	}
	t.status(false)
	t.notify("turn/completed", turnNote{ThreadID: t.id, Turn: tr})
}

func (t *threadState) patchEnded(turnID string, m protocol.PatchApplyEnd) {
	status := "completed"
	switch {
	case m.Declined:
		status = "declined"
	case !m.Success:
		status = "failed"
	}
	t.itemStarted(turnID, fileChange(m.CallID, m.Changes, "inProgress"))
	t.itemCompleted(turnID, fileChange(m.CallID, m.Changes, status))
	if m.Success {
		for _, ch := range m.Changes {
			if ch.UnifiedDiff != "" {
				t.diffs = append(t.diffs, ch.UnifiedDiff)
			}
		}
		t.notify("turn/diff/updated", map[string]any{"threadId": t.id, "turnId": turnID, "diff": strings.Join(t.diffs, "")})
	}
}

func (t *threadState) askExec(turnID string, m protocol.ExecApprovalRequest) {
	params := map[string]any{
		"threadId": t.id, "turnId": turnID, "itemId": m.CallID, "startedAtMs": t.nowMs(),
		"command": shellJoin(m.Command), "cwd": m.Cwd, "commandActions": []any{},
	}
	if r := approvalReason(m.Reason, m.Justification); r != "" {
		params["reason"] = r
	}
	if m.ProposedPrefixRule != nil {
		params["proposedExecpolicyAmendment"] = m.ProposedPrefixRule
	}
	t.ask("item/commandExecution/requestApproval", params, pendingApproval{t: t, callID: m.CallID, proposal: m.ProposedPrefixRule})
}

// ask sends an approval request; the thread waits on approval until the
// client answers (see conn.answer).
func (t *threadState) ask(method string, params map[string]any, p pendingApproval) {
	t.status(true, "waitingOnApproval")
	if err := t.c.request(method, params, p); err != nil {
		t.c.opts.Logger.Debug("app-server: approval request", "err", err)
	}
}

func (t *threadState) askPatch(turnID string, m protocol.PatchApprovalRequest) {
	params := map[string]any{"threadId": t.id, "turnId": turnID, "itemId": m.CallID, "startedAtMs": t.nowMs()}
	if m.Reason != "" {
		params["reason"] = m.Reason
	}
	t.ask("item/fileChange/requestApproval", params, pendingApproval{t: t, callID: m.CallID, patch: true})
}

// askMCP asks approval of an MCP tool call the way Codex's app server asks
// for a command: the command is the tool's name.
func (t *threadState) askMCP(turnID string, m protocol.McpToolApprovalRequest) {
	params := map[string]any{
		"threadId": t.id, "turnId": turnID, "itemId": m.CallID, "startedAtMs": t.nowMs(),
		"command": "mcp__" + m.Server + "__" + m.Tool, "commandActions": []any{},
	}
	if m.Reason != "" {
		params["reason"] = m.Reason
	}
	t.ask("item/commandExecution/requestApproval", params, pendingApproval{t: t, callID: m.CallID})
}

func approvalReason(reason, justification string) string {
	switch {
	case justification != "" && reason != "":
		return justification + " (" + reason + ")"
	case justification != "":
		return justification
	}
	return reason
}

func agentMessage(id, text string) item {
	return item{"type": "agentMessage", "id": id, "text": text}
}

func reasoning(id, text string) item {
	summary := []string{}
	if text != "" {
		summary = append(summary, text)
	}
	return item{"type": "reasoning", "id": id, "summary": summary, "content": []string{}}
}

func command(id string, argv []string, cwd, status string, end *protocol.ExecEnd) item {
	it := item{"type": "commandExecution", "id": id, "command": shellJoin(argv), "cwd": cwd, "status": status, "commandActions": []any{}}
	if end != nil {
		it["aggregatedOutput"] = end.AggregatedOutput
		it["durationMs"] = time.Duration(end.Duration).Milliseconds()
		if !end.Declined {
			it["exitCode"] = end.ExitCode
		}
	}
	return it
}

func execStatus(m protocol.ExecEnd) string {
	switch {
	case m.Declined:
		return "declined"
	case m.ExitCode != 0:
		return "failed"
	}
	return "completed"
}

func fileChange(id string, changes []protocol.FileChange, status string) item {
	out := make([]map[string]any, 0, len(changes))
	for _, ch := range changes {
		kind := map[string]any{"type": string(ch.Kind)}
		if ch.Kind == protocol.ChangeUpdate && ch.MovePath != "" {
			kind["move_path"] = ch.MovePath
		}
		out = append(out, map[string]any{"path": ch.Path, "kind": kind, "diff": ch.UnifiedDiff})
	}
	return item{"type": "fileChange", "id": id, "changes": out, "status": status}
}

func mcpCall(id, server, tool string, args json.RawMessage, end *protocol.McpToolCallEnd) item {
	var a any = map[string]any{}
	if len(args) > 0 {
		_ = json.Unmarshal(args, &a)
	}
	it := item{"type": "mcpToolCall", "id": id, "server": server, "tool": tool, "arguments": a, "status": "inProgress"}
	if end != nil {
		it["durationMs"] = time.Duration(end.Duration).Milliseconds()
		it["status"] = "completed"
		if end.Failed() {
			it["status"] = "failed"
		}
		if end.Result != nil {
			content := make([]json.RawMessage, len(end.Result.Content))
			copy(content, end.Result.Content)
			r := map[string]any{"content": content}
			if len(end.Result.StructuredContent) > 0 {
				r["structuredContent"] = end.Result.StructuredContent
			}
			it["result"] = r
		}
		if end.Error != "" {
			it["error"] = map[string]any{"message": end.Error}
		}
	}
	return it
}

func planNote(threadID, turnID string, m protocol.PlanUpdate) map[string]any {
	steps := make([]map[string]any, 0, len(m.Plan))
	for _, p := range m.Plan {
		status := "pending"
		switch p.Status {
		case protocol.PlanInProgress:
			status = "inProgress"
		case protocol.PlanCompleted:
			status = "completed"
		case protocol.PlanPending:
		}
		steps = append(steps, map[string]any{"step": p.Step, "status": status})
	}
	n := map[string]any{"threadId": threadID, "turnId": turnID, "plan": steps}
	if m.Explanation != "" {
		n["explanation"] = m.Explanation
	}
	return n
}

func usageNote(threadID, turnID string, m protocol.TokenCount) map[string]any {
	u := map[string]any{"last": wireUsage(m.Last), "total": wireUsage(m.Total)}
	if m.ContextWindow > 0 {
		u["modelContextWindow"] = m.ContextWindow
	}
	return map[string]any{"threadId": threadID, "turnId": turnID, "tokenUsage": u}
}

// userContent is turn/start's input as a userMessage item's content.
func userContent(in []userInput) []map[string]any {
	out := make([]map[string]any, 0, len(in))
	for _, u := range in {
		switch u.Type {
		case "text":
			out = append(out, map[string]any{"type": "text", "text": u.Text, "text_elements": []any{}})
		case "image":
			out = append(out, map[string]any{"type": "image", "url": u.URL})
		default:
			out = append(out, map[string]any{"type": u.Type, "path": u.Path})
		}
	}
	return out
}
