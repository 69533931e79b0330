package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// waitFor bounds every wait of these tests: an event that does not arrive
// within it fails the test instead of hanging it. It is a deadline, never a
// means of synchronisation.
const waitFor = 10 * time.Second

// harness runs one session against a scripted model server through the real
// openai client, and reads its events checking that Seq goes up by one.
type harness struct {
	t      *testing.T
	srv    *modeltest.Server
	s      *agent.Session
	cancel context.CancelFunc // cancels the ctx the session was started with
	seq    uint64
	closed bool
}

// newHarness starts a session with opts against a server serving script.
// opts.Model, if nil, is an openai client for the server; opts.SessionID
// defaults to "sess".
func newHarness(t *testing.T, opts agent.Options, script ...modeltest.Response) *harness {
	t.Helper()
	return newHarnessClient(t, opts, nil, script...)
}

// newHarnessClient is newHarness with mod applied to the openai client's
// options (when opts.Model is nil).
func newHarnessClient(t *testing.T, opts agent.Options, mod func(*openai.Options), script ...modeltest.Response) *harness {
	t.Helper()
	srv := modeltest.New(t, script...)
	if opts.Model == nil {
		opts.Model = newClient(t, srv, mod)
	}
	if opts.SessionID == "" {
		opts.SessionID = "sess"
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, s: agent.New(opts), cancel: cancel}
	h.s.Start(ctx)
	// Runs before the server's cleanup (registered first): end the session
	// and drain its stream so no request is in flight when the server is
	// verified.
	t.Cleanup(func() {
		cancel()
		deadline := time.NewTimer(waitFor)
		defer deadline.Stop()
		for {
			select {
			case _, ok := <-h.s.Events():
				if !ok {
					return
				}
			case <-deadline.C:
				t.Errorf("session did not close its event stream within %v of cancelling its ctx", waitFor)
				return
			}
		}
	})
	return h
}

func newClient(t *testing.T, srv *modeltest.Server, mods ...func(*openai.Options)) *openai.Client {
	t.Helper()
	opts := openai.Options{
		ProviderID: "test",
		BaseURL:    srv.URL(),
		APIKey:     "sk-test",
		// Retries happen at once: backoff is the client's business.
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
	for _, mod := range mods {
		if mod != nil {
			mod(&opts)
		}
	}
	c, err := openai.New(opts)
	if err != nil {
		t.Fatalf("openai.New: %v", err)
	}
	return c
}

// next returns the next event, failing the test if none comes in time or
// the stream is closed.
func (h *harness) next() protocol.Event {
	h.t.Helper()
	ev, ok := h.nextOrClose()
	if !ok {
		h.t.Fatalf("event stream closed; want another event")
	}
	return ev
}

// nextOrClose returns the next event, or ok=false if the stream closed.
func (h *harness) nextOrClose() (protocol.Event, bool) {
	h.t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case ev, ok := <-h.s.Events():
		if !ok {
			h.closed = true
			return protocol.Event{}, false
		}
		if ev.Seq != h.seq+1 {
			h.t.Errorf("event %T has Seq %d, want %d (previous + 1)", ev.Msg, ev.Seq, h.seq+1)
		}
		h.seq = ev.Seq
		return ev, true
	case <-timer.C:
		h.t.Fatalf("no event within %v (last Seq %d)", waitFor, h.seq)
		return protocol.Event{}, false
	}
}

// until reads events up to and including the first one for which stop
// returns true.
func (h *harness) until(stop func(protocol.EventMsg) bool) []protocol.Event {
	h.t.Helper()
	var evs []protocol.Event
	for {
		ev := h.next()
		evs = append(evs, ev)
		if stop(ev.Msg) {
			return evs
		}
	}
}

// untilType reads events up to and including the first of type T.
func untilType[T protocol.EventMsg](h *harness) ([]protocol.Event, T) {
	h.t.Helper()
	evs := h.until(func(m protocol.EventMsg) bool { _, ok := m.(T); return ok })
	return evs, evs[len(evs)-1].Msg.(T)
}

// turnEnd reports whether m closes a turn.
func turnEnd(m protocol.EventMsg) bool {
	switch m.(type) {
	case protocol.TurnComplete, protocol.TurnAborted, protocol.TurnFailed:
		return true
	}
	return false
}

// submit sends op and returns its submission id.
func (h *harness) submit(op protocol.Op) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	id, err := h.s.Submit(ctx, op)
	if err != nil {
		h.t.Fatalf("Submit(%T): %v", op, err)
	}
	return id
}

// turn submits a text UserTurn and reads its events to the end of the turn.
func (h *harness) turn(text string) []protocol.Event {
	h.t.Helper()
	h.submit(userTurn(text))
	return h.until(turnEnd)
}

// expectClose reads the rest of the stream, which must be ShutdownComplete
// and then the channel's end.
func (h *harness) expectClose() {
	h.t.Helper()
	_, _ = untilType[protocol.ShutdownComplete](h)
	if ev, ok := h.nextOrClose(); ok {
		h.t.Errorf("event %T (Seq %d) after ShutdownComplete; want the stream closed", ev.Msg, ev.Seq)
	}
}

// request returns the i-th request the server received.
func (h *harness) request(i int) modeltest.Request {
	h.t.Helper()
	reqs := h.srv.Requests()
	if i >= len(reqs) {
		h.t.Fatalf("want request #%d, the server got %d", i, len(reqs))
	}
	return reqs[i]
}

func userTurn(text string) protocol.UserTurn {
	return protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: text}}}
}

// types returns the event types of evs, for order checks.
func types(evs []protocol.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Msg.EventType())
	}
	return out
}

// msgsOf returns the payloads of type T among evs.
func msgsOf[T protocol.EventMsg](evs []protocol.Event) []T {
	var out []T
	for _, ev := range evs {
		if m, ok := ev.Msg.(T); ok {
			out = append(out, m)
		}
	}
	return out
}

// wireItem is the part of a request's input item these tests compare.
type wireItem struct {
	Type   model.ItemType
	Role   string `json:",omitempty"`
	Text   string `json:",omitempty"` // message text parts, joined
	CallID string `json:",omitempty"`
	Name   string `json:",omitempty"`
	Args   string `json:",omitempty"` // arguments or custom input
	Output string `json:",omitempty"`
}

// inputOf summarises the Responses API input of a request.
func inputOf(r modeltest.Request) []wireItem {
	in := r.Input()
	var out []wireItem
	for _, it := range in {
		w := wireItem{Type: it.Type, Role: it.Role, CallID: it.CallID, Name: it.Name, Args: it.Arguments + it.Input, Output: it.Output}
		if it.Type == model.ItemMessage || it.Type == model.ItemReasoning {
			w.Text = it.Text()
		}
		if it.Type == model.ItemCompaction {
			w.Text = it.EncryptedContent
		}
		out = append(out, w)
	}
	return out
}

func userItem(text string) wireItem {
	return wireItem{Type: model.ItemMessage, Role: model.RoleUser, Text: text}
}

func assistantItem(text string) wireItem {
	return wireItem{Type: model.ItemMessage, Role: model.RoleAssistant, Text: text}
}

func callItem(id, name, args string) wireItem {
	return wireItem{Type: model.ItemFunctionCall, CallID: id, Name: name, Args: args}
}

func outputItem(id, out string) wireItem {
	return wireItem{Type: model.ItemFunctionCallOutput, CallID: id, Output: out}
}

// bodyString returns a top-level string field of a request body.
func bodyString(r modeltest.Request, key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// call returns a scripted function call with a fixed call id.
func call(id, name, args string) modeltest.Call {
	return modeltest.Call{Name: name, Arguments: args, CallID: id}
}

// usage is a fixed usage so TokenCount events are predictable.
func usage(in, out int64) *model.Usage {
	return &model.Usage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
}

// fnTool is a function tool whose calls are handled by handle. It does not
// implement tools.ReadOnly.
type fnTool struct {
	name   string
	handle func(ctx context.Context, env *tools.Env, c tools.Call) (tools.Result, error)
}

func (f *fnTool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: f.name, Description: "test tool " + f.name, Parameters: json.RawMessage(`{"type":"object","properties":{}}`)}
}

func (f *fnTool) Handle(ctx context.Context, env *tools.Env, c tools.Call) (tools.Result, error) {
	return f.handle(ctx, env, c)
}

// roTool is an fnTool whose calls are all read-only.
type roTool struct{ fnTool }

func (*roTool) ReadOnly(tools.Call) bool { return true }

// customTool is a freeform (custom) tool.
type customTool struct{ fnTool }

func (c *customTool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolCustom, Name: c.name, Description: "test custom tool", Format: &model.CustomFormat{Type: "text"}}
}

func router(t *testing.T, ts ...tools.Tool) *tools.Router {
	t.Helper()
	r, err := tools.NewRouter(ts...)
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	return r
}

// echo answers a call with "name(input)".
func echo(name string) *fnTool {
	return &fnTool{name: name, handle: func(_ context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		return tools.Result{Output: c.Name + "(" + c.Input + ")"}, nil
	}}
}

// blocker is a tool whose calls signal started and then block until their
// ctx ends or release is closed.
type blocker struct {
	fnTool
	started chan string // call ids, buffered
	release chan struct{}
}

func newBlocker(name string) *blocker {
	b := &blocker{started: make(chan string, 8), release: make(chan struct{})}
	b.fnTool = fnTool{name: name, handle: func(ctx context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		b.started <- c.ID
		select {
		case <-ctx.Done():
			return tools.Result{}, ctx.Err()
		case <-b.release:
			return tools.Result{Output: "released"}, nil
		}
	}}
	return b
}

// waitStarted waits for the blocker's next call to start.
func (b *blocker) waitStarted(t *testing.T) string {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case id := <-b.started:
		return id
	case <-timer.C:
		t.Fatalf("tool %s was not called within %v", b.name, waitFor)
		return ""
	}
}

// fakeRecorder collects what a session records. Its methods may be called
// from several goroutines.
type fakeRecorder struct {
	mu     sync.Mutex
	items  []model.Item
	events []protocol.EventMsg
	err    error // returned by RecordItems, if set
	// compacted are the summaries of RecordCompacted, in order.
	compacted []string
}

func (r *fakeRecorder) RecordItems(items ...model.Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, items...)
	return r.err
}

func (r *fakeRecorder) RecordEvent(ev protocol.EventMsg) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *fakeRecorder) RecordCompacted(summary string, history []model.Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.compacted = append(r.compacted, summary)
	r.items = append(r.items[:0:0], history...) // what a resumed session starts from
	return nil
}

func (r *fakeRecorder) snapshot() ([]model.Item, []protocol.EventMsg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.Item(nil), r.items...), append([]protocol.EventMsg(nil), r.events...)
}

var errLoad = errors.New("no such file")

// isType reports whether ev's payload is a T.
func isType[T protocol.EventMsg](ev protocol.Event) bool {
	_, ok := ev.Msg.(T)
	return ok
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
