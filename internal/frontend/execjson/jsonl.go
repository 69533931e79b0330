package execjson

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// The JSONL shapes of `codex exec --json`.
type (
	threadStarted struct {
		Type          string `json:"type"`
		ThreadID      string `json:"thread_id"`
		SchemaVersion int    `json:"schema_version"`
	}
	typeOnly struct {
		Type string `json:"type"`
	}
	itemEvent struct {
		Type string `json:"type"`
		Item any    `json:"item"`
	}
	turnCompleted struct {
		Type  string `json:"type"`
		Usage usage  `json:"usage"`
	}
	usage struct {
		InputTokens           int64 `json:"input_tokens"`
		CachedInputTokens     int64 `json:"cached_input_tokens"`
		CacheWriteInputTokens int64 `json:"cache_write_input_tokens"`
		OutputTokens          int64 `json:"output_tokens"`
		ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
	}
	turnFailed struct {
		Type  string       `json:"type"`
		Error errorMessage `json:"error"`
	}
	errorMessage struct {
		Message string `json:"message"`
	}
	errorEvent struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	// threadCompacted is kodex's own (additive) event: Codex's exec prints
	// nothing when it compacts; its app server says thread/compacted.
	threadCompacted struct {
		Type         string `json:"type"`
		TokensBefore int64  `json:"tokens_before"`
		TokensAfter  int64  `json:"tokens_after"`
	}

	agentMessageItem struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Text string `json:"text"`
	}
	errorItem struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	commandItem struct {
		ID               string `json:"id"`
		Type             string `json:"type"`
		Command          string `json:"command"`
		AggregatedOutput string `json:"aggregated_output"`
		ExitCode         *int   `json:"exit_code"`
		Status           string `json:"status"`
	}
	fileChangeItem struct {
		ID      string       `json:"id"`
		Type    string       `json:"type"`
		Changes []fileChange `json:"changes"`
		Status  string       `json:"status"`
	}
	fileChange struct {
		Path string `json:"path"`
		Kind string `json:"kind"`
	}
	todoListItem struct {
		ID    string     `json:"id"`
		Type  string     `json:"type"`
		Items []todoItem `json:"items"`
	}
	todoItem struct {
		Text      string `json:"text"`
		Completed bool   `json:"completed"`
	}
)

// jsonPrinter translates protocol events into Codex's exec JSONL.
type jsonPrinter struct {
	w     io.Writer
	next  int
	execs map[string]commandItem // running commands by call id
	edits map[string]string      // item ids of patches being applied, by call id
	todo  *todoListItem          // the turn's plan, once it has one
	usage protocol.TokenUsage    // the thread's so far (Codex reports it cumulative)
	// mcpCalls holds the item ids of running MCP calls, by call id.
	mcpCalls map[string]string
}

func newJSONPrinter(w io.Writer) *jsonPrinter {
	return &jsonPrinter{w: w, execs: map[string]commandItem{}, edits: map[string]string{}}
}

func (p *jsonPrinter) id() string {
	id := fmt.Sprintf("item_%d", p.next)
	p.next++
	return id
}

func (p *jsonPrinter) emit(v any) error { return writeJSONLine(p.w, v) }

func (p *jsonPrinter) item(typ string, it any) error {
	return p.emit(itemEvent{Type: typ, Item: it})
}

func (p *jsonPrinter) print(ev protocol.Event) error {
	switch m := ev.Msg.(type) {
	case protocol.SessionConfigured:
		return p.emit(threadStarted{Type: "thread.started", ThreadID: m.SessionID, SchemaVersion: SchemaVersion})
	case protocol.TurnStarted:
		p.usage, p.todo = protocol.TokenUsage{}, nil
		return p.emit(typeOnly{Type: "turn.started"})
	case protocol.AgentMessage:
		return p.item("item.completed", agentMessageItem{ID: p.id(), Type: "agent_message", Text: m.Text})
	case protocol.Reasoning:
		return p.item("item.completed", agentMessageItem{ID: p.id(), Type: "reasoning", Text: m.Text})
	case protocol.ExecBegin:
		it := commandItem{ID: p.id(), Type: "command_execution", Command: ShellJoin(m.Command), Status: "in_progress"}
		p.execs[m.CallID] = it
		return p.item("item.started", it)
	case protocol.ExecEnd:
		return p.execEnd(m)
	case protocol.PatchApplyEnd:
		return p.patchEnd(m)
	case protocol.PlanUpdate:
		return p.plan(m)
	case protocol.TokenCount:
		p.usage = m.Total
		return nil
	case protocol.Warning:
		return p.item("item.completed", errorItem{ID: p.id(), Type: "error", Message: m.Message})
	case protocol.ContextCompacted:
		return p.emit(threadCompacted{Type: "thread.compacted", TokensBefore: m.TokensBefore, TokensAfter: m.TokensAfter})
	case protocol.Retry: // as Codex: a top-level error event, the turn goes on
		return p.emit(errorEvent{Type: "error", Message: m.String()})
	case protocol.Error:
		return p.emit(errorEvent{Type: "error", Message: m.ErrorInfo.String()})
	case protocol.TurnComplete:
		if err := p.finishTodo(); err != nil {
			return err
		}
		u := p.usage
		return p.emit(turnCompleted{Type: "turn.completed", Usage: usage{
			InputTokens: u.InputTokens, CachedInputTokens: u.CachedInputTokens,
			OutputTokens: u.OutputTokens, ReasoningOutputTokens: u.ReasoningOutputTokens,
		}})
	case protocol.TurnFailed:
		if err := p.emit(errorEvent{Type: "error", Message: m.Error.String()}); err != nil {
			return err
		}
		return p.emit(turnFailed{Type: "turn.failed", Error: errorMessage{Message: m.Error.String()}})
	case protocol.TurnAborted:
		return p.emit(turnFailed{Type: "turn.failed", Error: errorMessage{Message: "turn aborted: " + m.Reason}})
	case protocol.PatchApplyBegin:
		it := fileChangeItem{ID: p.id(), Type: "file_change", Changes: fileChanges(m.Changes), Status: "in_progress"}
		p.edits[m.CallID] = it.ID
		return p.item("item.started", it)
	case protocol.AgentMessageDelta, protocol.ReasoningDelta, protocol.ExecOutputDelta,
		protocol.ExecApprovalRequest, protocol.PatchApprovalRequest,
		protocol.ShutdownComplete:
		return nil
	}
	return p.mcp(ev.Msg)
}

func (p *jsonPrinter) execEnd(m protocol.ExecEnd) error {
	it, ok := p.execs[m.CallID]
	if !ok && m.Declined {
		// Refused before it ran: Codex emits no item (its SDK's statuses
		// have no "declined"); the model is told why.
		return nil
	}
	if !ok {
		it = commandItem{ID: p.id(), Type: "command_execution", Command: ShellJoin(m.Command)}
	}
	delete(p.execs, m.CallID)
	code := m.ExitCode
	it.ExitCode = &code
	it.AggregatedOutput = m.AggregatedOutput
	switch {
	case m.Declined:
		it.Status, it.ExitCode = "failed", nil
	case m.ExitCode == 0:
		it.Status = "completed"
	default:
		it.Status = "failed"
	}
	return p.item("item.completed", it)
}

func (p *jsonPrinter) patchEnd(m protocol.PatchApplyEnd) error {
	id, ok := p.edits[m.CallID]
	if !ok {
		id = p.id()
	}
	delete(p.edits, m.CallID)
	it := fileChangeItem{ID: id, Type: "file_change", Changes: fileChanges(m.Changes), Status: "completed"}
	if !m.Success {
		it.Status = "failed"
	}
	return p.item("item.completed", it)
}

// fileChanges are a patch's changes in Codex's order: by path.
func fileChanges(changes []protocol.FileChange) []fileChange {
	out := make([]fileChange, 0, len(changes))
	for _, c := range changes {
		out = append(out, fileChange{Path: c.Path, Kind: string(c.Kind)})
	}
	slices.SortFunc(out, func(a, b fileChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func (p *jsonPrinter) plan(m protocol.PlanUpdate) error {
	typ := "item.updated"
	if p.todo == nil {
		p.todo = &todoListItem{ID: p.id(), Type: "todo_list"}
		typ = "item.started"
	}
	p.todo.Items = p.todo.Items[:0]
	for _, s := range m.Plan {
		p.todo.Items = append(p.todo.Items, todoItem{Text: s.Step, Completed: s.Status == protocol.PlanCompleted})
	}
	return p.item(typ, *p.todo)
}

func (p *jsonPrinter) finishTodo() error {
	if p.todo == nil {
		return nil
	}
	t := *p.todo
	p.todo = nil
	return p.item("item.completed", t)
}
