package appserver

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sort"

	"github.com/kodex-cli/kodex/internal/frontend/filesearch"
	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

type handler func(c *conn, ctx context.Context, m *jsonrpc.Message)

// methodNames are the requests kodex implements, by Codex's method names.
var methodNames = []string{
	"account/read",
	"collaborationMode/list",
	"config/read",
	"configRequirements/read",
	"fuzzyFileSearch",
	"hooks/list",
	"initialize",
	"mcpServerStatus/list",
	"model/list",
	"skills/list",
	"thread/archive",
	"thread/compact/start",
	"thread/delete",
	"thread/fork",
	"thread/list",
	"thread/loaded/list",
	"thread/name/set",
	"thread/read",
	"thread/resume",
	"thread/start",
	"thread/unarchive",
	"thread/unsubscribe",
	"turn/interrupt",
	"turn/start",
	"turn/steer",
}

// handlerFor returns the handler of method, nil if it is not implemented.
func handlerFor(method string) handler {
	switch method {
	case "fuzzyFileSearch":
		return (*conn).fuzzyFileSearch
	case "initialize":
		return (*conn).initialize
	case "thread/start":
		return (*conn).threadStart
	case "thread/resume":
		return (*conn).threadResume
	case "thread/fork":
		return (*conn).threadFork
	case "thread/list":
		return (*conn).threadList
	case "thread/read":
		return (*conn).threadRead
	case "thread/archive":
		return (*conn).threadArchive
	case "thread/unarchive":
		return (*conn).threadUnarchive
	case "thread/delete":
		return (*conn).threadDelete
	case "thread/name/set":
		return (*conn).threadSetName
	case "thread/compact/start":
		return (*conn).threadCompact
	case "turn/start":
		return (*conn).turnStart
	case "turn/steer":
		return (*conn).turnSteer
	case "turn/interrupt":
		return (*conn).turnInterrupt
	case "model/list":
		return (*conn).modelList
	case "account/read":
		return (*conn).accountRead
	case "configRequirements/read":
		return (*conn).configRequirementsRead
	case "mcpServerStatus/list":
		return (*conn).mcpServerStatusList
	case "thread/loaded/list":
		return (*conn).threadLoadedList
	case "thread/unsubscribe":
		return (*conn).threadUnsubscribe
	case "hooks/list", "skills/list", "collaborationMode/list":
		return (*conn).emptyList
	case "config/read":
		return (*conn).configRead
	}
	return nil
}

// slowMethod reports whether a method runs in its own goroutine (see
// conn.handle).
func slowMethod(method string) bool {
	switch method {
	case "thread/start", "thread/resume", "thread/fork", "thread/list", "thread/read", "thread/unarchive",
		"thread/archive", "thread/delete", "fuzzyFileSearch", "thread/unsubscribe", "mcpServerStatus/list":
		return true
	}
	return false
}

// Methods lists the implemented methods, sorted.
func Methods() []string { return slices.Clone(methodNames) }

func (c *conn) initialize(_ context.Context, m *jsonrpc.Message) {
	var p initializeParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	if p.ClientInfo == nil {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: clientInfo is required"))
		return
	}
	c.mu.Lock()
	again := c.initialized
	c.initialized = true
	if !again && p.Capabilities != nil {
		c.optOut = map[string]bool{}
		for _, m := range p.Capabilities.OptOutNotificationMethods {
			c.optOut[m] = true
		}
	}
	c.mu.Unlock()
	if again {
		c.reply(m, nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: "already initialized"})
		return
	}
	family := "unix"
	if runtime.GOOS == "windows" {
		family = "windows"
	}
	osName := runtime.GOOS
	if osName == "darwin" {
		osName = "macos"
	}
	c.reply(m, initializeResponse{
		CodexHome: c.opts.Home, PlatformFamily: family, PlatformOs: osName,
		UserAgent: fmt.Sprintf("kodex/%s (%s; %s)", c.opts.Version, runtime.GOOS, runtime.GOARCH),
		Kodex:     kodexInfo{Version: c.opts.Version, ProtocolVersion: ProtocolVersion, Methods: Methods()},
	}, nil)
}

// openParams reads and checks the params of thread/start|resume|fork.
func openParams(m *jsonrpc.Message, needID bool) (threadParams, error) {
	var p threadParams
	if err := decode(m, &p); err != nil {
		return p, err
	}
	if needID {
		if err := required("threadId", p.ThreadID); err != nil {
			return p, err
		}
	}
	a, err := approvalParam("approvalPolicy", p.ApprovalPolicy)
	if err != nil {
		return p, err
	}
	p.Approval = a
	if err := sandboxParam("sandbox", p.Sandbox); err != nil {
		return p, err
	}
	return p, nil
}

func approvalParam(field string, raw json.RawMessage) (protocol.ApprovalPolicy, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s: kodex supports the policies untrusted, on-failure, on-request and never (not a granular one)", field)
	}
	if !slices.Contains(protocol.ApprovalPolicies, protocol.ApprovalPolicy(s)) {
		return "", jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s %q (want untrusted, on-failure, on-request or never)", field, s)
	}
	return protocol.ApprovalPolicy(s), nil
}

func sandboxParam(field string, mode protocol.SandboxMode) error {
	if mode != "" && !slices.Contains(protocol.SandboxModes, mode) {
		return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s %q (want read-only, workspace-write or danger-full-access)", field, mode)
	}
	return nil
}

func (p threadParams) open(fork bool) OpenRequest {
	eph := p.Ephemeral != nil && *p.Ephemeral
	if p.ModelProvider != "" { // Codex's modelProvider: the provider's id, as -c model_provider
		cfg := map[string]any{"model_provider": p.ModelProvider}
		for k, v := range p.Config {
			cfg[k] = v
		}
		p.Config = cfg
	}
	return OpenRequest{
		ThreadID: p.ThreadID, Fork: fork, Cwd: p.Cwd, Model: p.Model, Approval: p.Approval, Sandbox: p.Sandbox,
		Ephemeral: eph, BaseInstructions: p.BaseInstructions, DeveloperInstructions: p.DeveloperInstructions, Config: p.Config,
	}
}

func (c *conn) threadStart(ctx context.Context, m *jsonrpc.Message) {
	p, err := openParams(m, false)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	p.ThreadID = ""
	c.openThread(ctx, m, p.open(false), false)
}

func (c *conn) threadResume(ctx context.Context, m *jsonrpc.Message) {
	p, err := openParams(m, true)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	c.mu.Lock()
	t := c.threads[p.ThreadID]
	c.mu.Unlock()
	if t != nil { // already loaded here: the thread as it is
		c.reply(m, threadResult(t.th.Info(), true), nil)
		return
	}
	c.openThread(ctx, m, p.open(false), !p.ExcludeTurns)
}

func (c *conn) threadFork(ctx context.Context, m *jsonrpc.Message) {
	p, err := openParams(m, true)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	c.openThread(ctx, m, p.open(true), !p.ExcludeTurns)
}

// openThread opens a thread, answers with it, announces it
// (thread/started) and then starts its pump: the response and the
// announcement come before any of its events.
//
// The thread lives until the client unloads it (archive, delete) or goes
// away: its session does not end with the request.
func (c *conn) openThread(ctx context.Context, m *jsonrpc.Message, req OpenRequest, turns bool) {
	th, err := c.opts.Backend.Open(context.WithoutCancel(ctx), req)
	if err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	info := th.Info()
	t := newThreadState(c, th, info.ID)
	c.mu.Lock()
	closing := c.closing
	if !closing {
		c.threads[t.id] = t
	}
	c.mu.Unlock()
	if closing { // the client went away meanwhile
		go t.pump()
		t.shutdown()
		return
	}
	c.reply(m, threadResult(info, turns), nil)
	t.notify("thread/started", map[string]any{"thread": wireThread(info, "idle", false)})
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t.pump()
	}()
}

// openError keeps a JSON-RPC error; anything else (no such session, a
// locked one, a config the overrides break) is the request's fault.
func openError(err error) error {
	if _, ok := err.(*jsonrpc.Error); ok { //nolint:errorlint // only a direct one
		return err
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
}

func threadResult(info ThreadInfo, turns bool) threadResponse {
	return threadResponse{
		Thread: wireThread(info, "idle", turns), Model: info.Model, ModelProvider: info.Provider, Cwd: info.Cwd,
		ApprovalPolicy: wireApproval(info.Approval), ApprovalsRev: "user", Sandbox: wireSandbox(info.Sandbox),
		ReasoningEffort: strPtr(info.ReasoningEffort), InstructionSrcs: []string{},
	}
}

// wireThread is a Thread; status is "idle" for a loaded thread,
// "notLoaded" for a recorded one.
func wireThread(info ThreadInfo, status string, turns bool) thread {
	t := thread{
		ID: info.ID, SessionID: info.ID, ForkedFromID: strPtr(info.ForkedFrom), Preview: info.Preview,
		Ephemeral: info.Ephemeral, Model: strPtr(info.Model), ModelProvider: info.Provider,
		CreatedAt: info.Created.Unix(), UpdatedAt: info.Updated.Unix(), Status: threadStatus{Type: status},
		Path: strPtr(info.Path), Cwd: info.Cwd, CliVersion: info.CliVersion, Source: "appServer", Name: strPtr(info.Name),
		Turns: []turn{},
	}
	if turns {
		for i, tr := range info.Turns {
			id := fmt.Sprintf("recorded-%d", i+1)
			items := []item{}
			content := []userInput{}
			for _, u := range tr.User {
				content = append(content, userInput{Type: "text", Text: u})
			}
			if len(content) > 0 {
				items = append(items, item{"type": "userMessage", "id": id + "-user", "content": content})
			}
			for j, a := range tr.Answers {
				items = append(items, agentMessage(fmt.Sprintf("%s-answer-%d", id, j+1), a))
			}
			t.Turns = append(t.Turns, turn{ID: id, Items: items, Status: "completed"})
		}
	}
	return t
}

func (c *conn) threadList(ctx context.Context, m *jsonrpc.Message) {
	var p threadListParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	req := ListRequest{Cursor: p.Cursor, Archived: p.Archived != nil && *p.Archived, Limit: 25}
	if p.Limit != nil {
		if *p.Limit < 0 {
			c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: limit must not be negative"))
			return
		}
		req.Limit = *p.Limit
	}
	if len(p.Cwd) > 0 && string(p.Cwd) != "null" {
		var one string
		if json.Unmarshal(p.Cwd, &one) == nil {
			req.Cwd = []string{one}
		} else if json.Unmarshal(p.Cwd, &req.Cwd) != nil {
			c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: cwd must be a string or an array of strings"))
			return
		}
	}
	list, next, err := c.opts.Backend.List(ctx, req)
	if err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	data := make([]thread, 0, len(list))
	for _, info := range list {
		data = append(data, wireThread(info, c.status(info.ID), false))
	}
	c.reply(m, map[string]any{"data": data, "nextCursor": strPtr(next)}, nil)
}

// status is a thread's status as this connection knows it.
func (c *conn) status(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.threads[id] != nil {
		return "idle"
	}
	return "notLoaded"
}

type threadIDParams struct {
	ThreadID     string `json:"threadId"`
	IncludeTurns bool   `json:"includeTurns"`
	Name         string `json:"name"`
	TurnID       string `json:"turnId"`
}

func (c *conn) threadRead(ctx context.Context, m *jsonrpc.Message) {
	var p threadIDParams
	if err := decode(m, &p); err == nil {
		err = required("threadId", p.ThreadID)
		if err != nil {
			c.reply(m, nil, err)
			return
		}
	} else {
		c.reply(m, nil, err)
		return
	}
	c.mu.Lock()
	t := c.threads[p.ThreadID]
	c.mu.Unlock()
	info, err := c.opts.Backend.Read(ctx, p.ThreadID, p.IncludeTurns)
	if err != nil {
		if t == nil {
			c.reply(m, nil, openError(err))
			return
		}
		info = t.th.Info() // loaded, not recorded (ephemeral)
	}
	status := "notLoaded"
	if t != nil {
		status = "idle"
	}
	c.reply(m, map[string]any{"thread": wireThread(info, status, p.IncludeTurns)}, nil)
}

// unload shuts a thread of this connection down, if it is loaded here.
func (c *conn) unload(id string) {
	c.mu.Lock()
	t := c.threads[id]
	delete(c.threads, id)
	c.mu.Unlock()
	if t != nil {
		t.shutdown()
	}
}

func (c *conn) threadIDOnly(m *jsonrpc.Message) (threadIDParams, bool) {
	var p threadIDParams
	err := decode(m, &p)
	if err == nil {
		err = required("threadId", p.ThreadID)
	}
	if err != nil {
		c.reply(m, nil, err)
		return p, false
	}
	return p, true
}

func (c *conn) threadArchive(_ context.Context, m *jsonrpc.Message) {
	c.unloadAnd(m, c.opts.Backend.Archive, "thread/archived")
}

func (c *conn) threadDelete(_ context.Context, m *jsonrpc.Message) {
	c.unloadAnd(m, c.opts.Backend.Delete, "thread/deleted")
}

// unloadAnd unloads the thread m names (if it is loaded here), then does
// what to its recording, answers {} and announces it.
func (c *conn) unloadAnd(m *jsonrpc.Message, what func(id string) error, announce string) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	c.unload(p.ThreadID)
	if err := what(p.ThreadID); err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	c.reply(m, struct{}{}, nil)
	c.notify(announce, map[string]any{"threadId": p.ThreadID})
}

func (c *conn) threadUnarchive(_ context.Context, m *jsonrpc.Message) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	info, err := c.opts.Backend.Unarchive(p.ThreadID)
	if err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	c.reply(m, map[string]any{"thread": wireThread(info, "notLoaded", false)}, nil)
	c.notify("thread/unarchived", map[string]any{"threadId": p.ThreadID})
}

func (c *conn) threadSetName(_ context.Context, m *jsonrpc.Message) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	if err := c.opts.Backend.SetName(p.ThreadID, p.Name); err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	c.reply(m, struct{}{}, nil)
	c.notify("thread/name/updated", map[string]any{"threadId": p.ThreadID, "threadName": strPtr(p.Name)})
}

func (c *conn) threadCompact(ctx context.Context, m *jsonrpc.Message) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	t, err := c.thread(p.ThreadID)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	t.hold()
	defer t.release()
	if _, err := t.th.Submit(ctx, protocol.Compact{}); err != nil {
		c.reply(m, nil, err)
		return
	}
	c.reply(m, struct{}{}, nil)
}

func (c *conn) turnStart(ctx context.Context, m *jsonrpc.Message) {
	var p turnStartParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	t, err := c.thread(p.ThreadID)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	ut, err := userTurn(p)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	t.hold()
	defer t.release()
	id, err := t.th.Submit(ctx, ut)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	t.inputsMu.Lock()
	t.inputs[id] = p.Input
	t.inputsMu.Unlock()
	c.reply(m, map[string]any{"turn": turn{ID: id, Items: []item{}, Status: "inProgress"}}, nil)
}

// userTurn is turn/start's input and overrides as a UserTurn.
func userTurn(p turnStartParams) (protocol.UserTurn, error) {
	if p.Input == nil {
		return protocol.UserTurn{}, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: input is required")
	}
	ut := protocol.UserTurn{Cwd: p.Cwd, Model: p.Model, ReasoningEffort: p.Effort}
	for i, in := range p.Input {
		switch in.Type {
		case "text":
			ut.Items = append(ut.Items, protocol.InputItem{Type: protocol.InputText, Text: in.Text})
		case "image":
			if in.URL == "" {
				return ut, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: input[%d].url is required", i)
			}
			ut.Items = append(ut.Items, protocol.InputItem{Type: protocol.InputImage, ImageURL: in.URL})
		case "localImage":
			if in.Path == "" {
				return ut, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: input[%d].path is required", i)
			}
			ut.Items = append(ut.Items, protocol.InputItem{Type: protocol.InputLocalImage, Path: in.Path})
		default:
			return ut, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: input[%d].type %q is not supported (text, image, localImage)", i, in.Type)
		}
	}
	a, err := approvalParam("approvalPolicy", p.ApprovalPolicy)
	if err != nil {
		return ut, err
	}
	ut.ApprovalPolicy = a
	mode := p.Sandbox
	if p.SandboxPolicy != nil {
		switch p.SandboxPolicy.Type {
		case "readOnly":
			mode = protocol.SandboxReadOnly
		case "workspaceWrite":
			mode = protocol.SandboxWorkspaceWrite
		case "dangerFullAccess":
			mode = protocol.SandboxDangerFullAccess
		default:
			return ut, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: sandboxPolicy.type %q (want readOnly, workspaceWrite or dangerFullAccess)", p.SandboxPolicy.Type)
		}
	}
	if err := sandboxParam("sandbox", mode); err != nil {
		return ut, err
	}
	if mode != "" {
		ut.SandboxMode = &mode
	}
	if len(p.OutputSchema) > 0 && string(p.OutputSchema) != "null" {
		ut.OutputSchema = p.OutputSchema
	}
	return ut, nil
}

func (c *conn) turnSteer(ctx context.Context, m *jsonrpc.Message) {
	var p turnSteerParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	t, err := c.thread(p.ThreadID)
	if err == nil {
		err = required("expectedTurnId", p.ExpectedTurnID)
	}
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	ut, err := userTurn(turnStartParams{ThreadID: p.ThreadID, Input: p.Input})
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	if running := t.running(); running == "" || running != p.ExpectedTurnID {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: expectedTurnId %q is not the running turn (%q)", p.ExpectedTurnID, running))
		return
	}
	t.hold()
	defer t.release()
	if _, err := t.th.Submit(ctx, protocol.Steer{Items: ut.Items}); err != nil {
		c.reply(m, nil, err)
		return
	}
	c.reply(m, map[string]any{"turnId": p.ExpectedTurnID}, nil)
	t.writeMu.Lock()
	t.steers++
	it := item{"type": "userMessage", "id": fmt.Sprintf("user-%s-steer-%d", p.ExpectedTurnID, t.steers), "content": userContent(p.Input)}
	t.itemStarted(p.ExpectedTurnID, it)
	t.itemCompleted(p.ExpectedTurnID, it)
	t.writeMu.Unlock()
}

func (c *conn) turnInterrupt(ctx context.Context, m *jsonrpc.Message) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	t, err := c.thread(p.ThreadID)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	if _, err := t.th.Submit(ctx, protocol.Interrupt{}); err != nil {
		c.reply(m, nil, err)
		return
	}
	c.reply(m, struct{}{}, nil)
}

func (c *conn) modelList(_ context.Context, m *jsonrpc.Message) {
	models := c.opts.Backend.Models()
	data := make([]map[string]any, 0, len(models))
	for i, name := range models {
		data = append(data, map[string]any{
			"id": name, "model": name, "displayName": name, "description": "", "hidden": false, "isDefault": i == 0,
			"defaultReasoningEffort": "medium", "supportedReasoningEfforts": efforts(),
		})
	}
	c.reply(m, map[string]any{"data": data, "nextCursor": nil}, nil)
}

func efforts() []map[string]any {
	var out []map[string]any
	for _, e := range []string{"low", "medium", "high"} {
		out = append(out, map[string]any{"reasoningEffort": e, "description": e})
	}
	return out
}

func (c *conn) configRead(_ context.Context, m *jsonrpc.Message) {
	c.reply(m, map[string]any{"config": c.opts.Backend.Config(), "origins": map[string]any{}}, nil)
}

// maxFileMatches bounds fuzzyFileSearch's answer.
const maxFileMatches = 50

func (c *conn) fuzzyFileSearch(ctx context.Context, m *jsonrpc.Message) {
	var p fuzzyFileSearchParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	if p.Roots == nil {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: roots is required"))
		return
	}
	var all []fuzzyFileSearchResult
	for _, root := range p.Roots {
		for _, f := range filesearch.Find(p.Query, c.opts.Backend.Files(ctx, root), maxFileMatches) {
			all = append(all, fuzzyFileSearchResult{
				Root: root, Path: f.Path, FileName: path.Base(f.Path), MatchType: "file",
				Score: max(f.Score, 0), Indices: f.Indices,
			})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Score > all[j].Score })
	if len(all) > maxFileMatches {
		all = all[:maxFileMatches]
	}
	if all == nil {
		all = []fuzzyFileSearchResult{}
	}
	c.reply(m, map[string]any{"files": all}, nil)
}
