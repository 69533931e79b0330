package acp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// contentBlock is an ACP ContentBlock of a prompt.
type contentBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Data     string `json:"data"`
	MimeType string `json:"mimeType"`
	URI      string `json:"uri"`
	Name     string `json:"name"`
	Resource *struct {
		URI  string  `json:"uri"`
		Text *string `json:"text"`
	} `json:"resource"`
}

// promptInput turns a prompt's content blocks into a turn's input: text
// as text, images as data URLs, a resource link as a mention of its URI,
// an embedded text resource as its text in a <context> element.
func promptInput(blocks []contentBlock) ([]protocol.InputItem, error) {
	var out []protocol.InputItem
	for i, b := range blocks {
		switch b.Type {
		case "text":
			out = append(out, protocol.InputItem{Type: protocol.InputText, Text: b.Text})
		case "image":
			if !strings.HasPrefix(b.MimeType, "image/") || b.Data == "" {
				return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: prompt[%d]: an image needs data and an image/* mimeType", i)
			}
			out = append(out, protocol.InputItem{Type: protocol.InputImage, ImageURL: "data:" + b.MimeType + ";base64," + b.Data})
		case "resource_link":
			name := b.Name
			if name == "" {
				name = b.URI
			}
			out = append(out, protocol.InputItem{Type: protocol.InputText, Text: fmt.Sprintf("[@%s](%s)", name, b.URI)})
		case "resource":
			if b.Resource == nil || b.Resource.Text == nil {
				return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: prompt[%d]: kodex takes embedded resources as text only", i)
			}
			out = append(out, protocol.InputItem{Type: protocol.InputText, Text: fmt.Sprintf("<context ref=%q>\n%s\n</context>", b.Resource.URI, *b.Resource.Text)})
		default:
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: prompt[%d]: kodex does not take %q content", i, b.Type)
		}
	}
	if len(out) == 0 {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: prompt is empty")
	}
	return out, nil
}

func textChunk(kind, text string) map[string]any {
	return map[string]any{"sessionUpdate": kind, "content": map[string]any{"type": "text", "text": text}}
}

func textContent(text string) map[string]any {
	return map[string]any{"type": "content", "content": map[string]any{"type": "text", "text": text}}
}

// toolCall is what the client was told of a tool call.
type toolCall struct {
	ID, Title, Kind, Status string
	Content                 []any
	Locations               []any
	RawInput                map[string]any
}

func (tc *toolCall) start() map[string]any {
	u := map[string]any{"sessionUpdate": "tool_call", "toolCallId": tc.ID, "title": tc.Title, "kind": tc.Kind, "status": tc.Status}
	if len(tc.Content) > 0 {
		u["content"] = tc.Content
	}
	if len(tc.Locations) > 0 {
		u["locations"] = tc.Locations
	}
	if tc.RawInput != nil {
		u["rawInput"] = tc.RawInput
	}
	return u
}

func sameContent(a, b []any) bool { return reflect.DeepEqual(a, b) }

// execCall is a command as a tool call: its title the command (the script
// of a "bash -lc SCRIPT"), its kind execute, or read / search for the
// commands that only do that.
func execCall(id string, argv []string, cwd, status string) *toolCall {
	tc := &toolCall{ID: id, Title: commandTitle(argv), Kind: commandKind(argv), Status: status, RawInput: map[string]any{"command": argv}}
	if cwd != "" {
		tc.RawInput["cwd"] = cwd
	}
	return tc
}

func commandTitle(argv []string) string {
	if len(argv) == 3 && isShell(argv[0]) && (argv[1] == "-lc" || argv[1] == "-c") {
		return argv[2]
	}
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func isShell(p string) bool {
	switch filepath.Base(p) {
	case "bash", "sh", "zsh", "dash":
		return true
	}
	return false
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]{}#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandKind is read or search for a command that only reads or
// searches (one simple command), execute otherwise.
func commandKind(argv []string) string {
	if len(argv) == 0 {
		return "execute"
	}
	name := filepath.Base(argv[0])
	if len(argv) == 3 && isShell(argv[0]) {
		f := strings.Fields(argv[2])
		if len(f) == 0 || strings.ContainsAny(argv[2], "|;&><`$") {
			return "execute"
		}
		name = f[0]
	}
	switch name {
	case "cat", "head", "tail", "less", "nl", "wc":
		return "read"
	case "rg", "grep", "find", "ls", "fd", "tree":
		return "search"
	}
	return "execute"
}

// fenced is output in a Markdown code block (a fence longer than any run
// of backticks in it).
func fenced(out string) string {
	fence := "```"
	for strings.Contains(out, fence) {
		fence += "`"
	}
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return fence + "\n" + out + fence
}

// execEnd is a command's last update: its status and its output.
func execEnd(m protocol.ExecEnd) map[string]any {
	status := "completed"
	if m.ExitCode != 0 || m.Declined {
		status = "failed"
	}
	text := fenced(m.AggregatedOutput)
	switch {
	case m.Declined:
		text = "Not run: the command was declined."
	case m.AggregatedOutput == "":
		text = fmt.Sprintf("(no output; exit code %d)", m.ExitCode)
	}
	return map[string]any{
		"status":    status,
		"content":   []any{textContent(text)},
		"rawOutput": map[string]any{"exitCode": m.ExitCode, "durationMs": time.Duration(m.Duration).Milliseconds(), "timedOut": m.TimedOut, "sandboxDenied": m.SandboxDenied},
	}
}

func execReason(m protocol.ExecApprovalRequest) string {
	switch {
	case m.Justification != "" && m.Reason != "":
		return m.Justification + " (" + m.Reason + ")"
	case m.Justification != "":
		return m.Justification
	}
	return m.Reason
}

// patchCall is an apply_patch edit as a tool call, its diffs as content.
func patchCall(id string, changes []protocol.FileChange, status string) *toolCall {
	tc := &toolCall{ID: id, Kind: "edit", Status: status, Content: diffs(changes)}
	deletes, moves := 0, 0
	var names []string
	for _, ch := range changes {
		p := ch.Path
		switch {
		case ch.Kind == protocol.ChangeDelete:
			deletes++
		case ch.MovePath != "":
			moves++
			p = ch.MovePath
		}
		names = append(names, filepath.Base(p))
		tc.Locations = append(tc.Locations, map[string]any{"path": p})
	}
	switch {
	case len(changes) > 0 && deletes == len(changes):
		tc.Kind = "delete"
	case len(changes) > 0 && moves == len(changes):
		tc.Kind = "move"
	}
	switch {
	case len(names) == 0:
		tc.Title = "Edit files"
	case len(names) <= 3:
		tc.Title = "Edit " + strings.Join(names, ", ")
	default:
		tc.Title = fmt.Sprintf("Edit %d files", len(names))
	}
	return tc
}

// diffs are a patch's changes as ACP diff content: an added file's text
// (oldText null), a deleted one's (newText ""), and each hunk of an update
// as its old and new lines.
func diffs(changes []protocol.FileChange) []any {
	var out []any
	for _, ch := range changes {
		path := ch.Path
		if ch.MovePath != "" {
			path = ch.MovePath
		}
		hunks := parseHunks(ch.UnifiedDiff)
		switch ch.Kind {
		case protocol.ChangeAdd:
			var text strings.Builder
			for _, h := range hunks {
				text.WriteString(h.new)
			}
			out = append(out, map[string]any{"type": "diff", "path": path, "oldText": nil, "newText": text.String()})
		case protocol.ChangeDelete:
			var text strings.Builder
			for _, h := range hunks {
				text.WriteString(h.old)
			}
			out = append(out, map[string]any{"type": "diff", "path": path, "oldText": text.String(), "newText": ""})
		default:
			for _, h := range hunks {
				out = append(out, map[string]any{"type": "diff", "path": path, "oldText": h.old, "newText": h.new})
			}
		}
	}
	return out
}

type hunk struct{ old, new string }

// parseHunks reads a unified diff's hunks (the lines after each "@@"
// header) into their old and new text.
func parseHunks(diff string) []hunk {
	var (
		out     []hunk
		old, nw strings.Builder
		inHunk  bool
		flush   = func() {
			if inHunk {
				out = append(out, hunk{old: old.String(), new: nw.String()})
			}
			old.Reset()
			nw.Reset()
		}
	)
	for _, line := range strings.SplitAfter(diff, "\n") {
		if line == "" {
			continue
		}
		switch {
		case strings.HasPrefix(line, "@@"):
			flush()
			inHunk = true
		case !inHunk || strings.HasPrefix(line, `\`):
		case line[0] == ' ':
			old.WriteString(line[1:])
			nw.WriteString(line[1:])
		case line[0] == '-':
			old.WriteString(line[1:])
		case line[0] == '+':
			nw.WriteString(line[1:])
		}
	}
	flush()
	return out
}

// patchEnd is an edit's last update.
func patchEnd(m protocol.PatchApplyEnd) map[string]any {
	u := map[string]any{"status": "completed", "rawOutput": map[string]any{"output": m.Output}}
	if !m.Success {
		u["status"] = "failed"
		content := diffs(m.Changes)
		u["content"] = append(content, textContent(m.Output))
	}
	return u
}

func mcpCall(id, server, tool string, args json.RawMessage, status string) *toolCall {
	tc := &toolCall{ID: id, Title: server + ": " + tool, Kind: "other", Status: status}
	var a map[string]any
	if len(args) > 0 && json.Unmarshal(args, &a) == nil {
		tc.RawInput = a
	}
	return tc
}

// mcpEnd is an MCP tool call's last update: its text content.
func mcpEnd(m protocol.McpToolCallEnd) map[string]any {
	u := map[string]any{"status": "completed"}
	if m.Failed() {
		u["status"] = "failed"
	}
	var content []any
	if m.Result != nil {
		for _, raw := range m.Result.Content {
			var b struct {
				Type string `json:"type"`
				Text string `json:"text"`
			}
			if json.Unmarshal(raw, &b) == nil && b.Type == "text" {
				content = append(content, textContent(b.Text))
			}
		}
	}
	if m.Error != "" {
		content = append(content, textContent(m.Error))
	}
	if len(content) > 0 {
		u["content"] = content
	}
	return u
}

func planUpdate(m protocol.PlanUpdate) map[string]any {
	entries := make([]any, 0, len(m.Plan))
	for _, p := range m.Plan {
		status := "pending"
		switch p.Status {
		case protocol.PlanInProgress:
			status = "in_progress"
		case protocol.PlanCompleted:
			status = "completed"
		case protocol.PlanPending:
		}
		entries = append(entries, map[string]any{"content": p.Step, "priority": "medium", "status": status})
	}
	return map[string]any{"sessionUpdate": "plan", "entries": entries}
}

// The permission options kodex offers, and the decisions they stand for.
const (
	optionAllow       = "allow"
	optionAllowAlways = "allow_always"
	optionAllowPrefix = "allow_prefix"
	optionReject      = "reject"
)

// permissionOptions are the answers to a permission request; with the
// model's proposed prefix rule (a command's), also "always allow commands
// that start with it".
func permissionOptions(prefix []string) []any {
	opts := []any{
		map[string]any{"optionId": optionAllow, "name": "Allow", "kind": "allow_once"},
		map[string]any{"optionId": optionAllowAlways, "name": "Allow for This Session", "kind": "allow_always"},
	}
	if len(prefix) > 0 {
		opts = append(opts, map[string]any{"optionId": optionAllowPrefix, "name": "Always Allow Commands Starting With " + commandTitle(prefix), "kind": "allow_always"})
	}
	return append(opts, map[string]any{"optionId": optionReject, "name": "Reject", "kind": "reject_once"})
}

// decision maps a RequestPermissionOutcome to kodex's decision: allow
// (approved), allow_always (approved for the session: the same command or
// file is not asked about again), allow_prefix (the proposed prefix rule,
// when one was offered: later commands that start with it run without
// asking), reject (denied: the model is told), and cancelled (the prompt
// was cancelled: the turn ends). Anything else denies.
func decision(outcome json.RawMessage, prefixOffered bool) protocol.ReviewDecision {
	var o struct {
		Outcome  string `json:"outcome"`
		OptionID string `json:"optionId"`
	}
	if json.Unmarshal(outcome, &o) != nil {
		return protocol.DecisionDenied
	}
	if o.Outcome == "cancelled" {
		return protocol.DecisionAbort
	}
	switch o.OptionID {
	case optionAllow:
		return protocol.DecisionApproved
	case optionAllowAlways:
		return protocol.DecisionApprovedForSession
	case optionAllowPrefix:
		if prefixOffered {
			return protocol.DecisionApprovedPrefixRule
		}
	}
	return protocol.DecisionDenied
}

// replayUpdates are the session/update notifications that replay one
// recorded step of a conversation.
func replayUpdates(h HistoryItem) []map[string]any {
	switch h.Kind {
	case "user":
		return []map[string]any{textChunk("user_message_chunk", h.Text)}
	case "agent":
		return []map[string]any{textChunk("agent_message_chunk", h.Text)}
	case "thought":
		return []map[string]any{textChunk("agent_thought_chunk", h.Text)}
	case "tool":
		tc := replayTool(h)
		u := tc.start()
		if h.Output != "" {
			u["content"] = []any{textContent(fenced(h.Output))}
		}
		return []map[string]any{u}
	}
	return nil
}

// replayTool is a recorded tool call: a command's title and kind are a
// live one's; other tools are named.
func replayTool(h HistoryItem) *toolCall {
	var args struct {
		Command json.RawMessage `json:"command"`
		Cmd     string          `json:"cmd"`
		Workdir string          `json:"workdir"`
	}
	_ = json.Unmarshal([]byte(h.Input), &args)
	var argv []string
	if json.Unmarshal(args.Command, &argv) != nil {
		var s string
		if json.Unmarshal(args.Command, &s) == nil && s != "" {
			argv = []string{"bash", "-lc", s}
		}
	}
	if args.Cmd != "" {
		argv = []string{"bash", "-lc", args.Cmd}
	}
	switch {
	case len(argv) > 0:
		return execCall(h.CallID, argv, args.Workdir, "completed")
	case h.Name == "apply_patch":
		return &toolCall{ID: h.CallID, Title: "Edit files", Kind: "edit", Status: "completed"}
	case h.Name == "view_image":
		return &toolCall{ID: h.CallID, Title: "View image", Kind: "read", Status: "completed"}
	}
	return &toolCall{ID: h.CallID, Title: h.Name, Kind: "other", Status: "completed"}
}
