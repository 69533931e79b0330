// Package tools defines what a tool is to the agent: its spec (what the model
// sees), how a call is handled, and the Result type that keeps apart an error
// the model sees (the turn goes on) from a Go error that aborts the turn. It
// also holds the Router that dispatches calls by name.
//
// Concrete tools live in subpackages (shell, applypatch, plan, viewimage) and
// are registered by internal/cli; the agent only knows this package.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// ErrAborted, returned (possibly wrapped) by a tool's Handle, aborts the
// turn as if the user had interrupted it: the user answered "abort" at an
// approval prompt.
var ErrAborted = errors.New("turn aborted by the user")

// Call is one tool call from the model.
type Call struct {
	ID    string // the call_id to answer with
	Name  string
	Kind  model.ToolKind
	Input string // function: JSON arguments; custom: free text
}

// Result is what a tool returns to the model.
type Result struct {
	// Output is the text the model sees.
	Output string
	// Failed marks a result the model should treat as an error (Codex sends
	// success=false). The turn goes on either way.
	Failed bool
	// Images are attached to the next request as input_image parts (data URLs).
	Images []string
}

// ErrorResult returns a failed result the model sees; the turn goes on.
func ErrorResult(format string, args ...any) Result {
	return Result{Output: fmt.Sprintf(format, args...), Failed: true}
}

// Env is what the agent gives a tool for one call: where it runs, under which
// policies, and how it reports and asks. Tools must not keep it after the call.
type Env struct {
	SessionID      string
	TurnID         string
	Cwd            string
	ApprovalPolicy protocol.ApprovalPolicy
	Sandbox        protocol.SandboxPolicy
	// Emit sends an event to the session's ordered stream.
	Emit func(protocol.EventMsg)
	// Approve asks the user and blocks until a decision or ctx ends. Where no
	// one can answer (exec), it returns DecisionDenied at once.
	Approve func(ctx context.Context, req protocol.EventMsg) (protocol.ReviewDecision, string)
	// Approved reports whether key (a canonical argv or path set) was
	// approved for the session; Remember records such an approval.
	Approved func(key string) bool
	Remember func(key string)
	// ResolvePolicy returns the complete policy of mode for this turn (the
	// policy owner's answer), for a command approved to run under another
	// mode than the session's. Nil: such approvals keep the session's policy.
	ResolvePolicy func(mode protocol.SandboxMode) protocol.SandboxPolicy
}

// Tool is one tool the model can call.
type Tool interface {
	Spec() model.ToolSpec
	// Handle runs a call. A returned error aborts the turn; failures the model
	// should see are Results with Failed set.
	Handle(ctx context.Context, env *Env, call Call) (Result, error)
}

// ReadOnly is implemented by tools whose calls never change anything, so the
// agent may run several of them in parallel.
type ReadOnly interface {
	ReadOnly(call Call) bool
}

// Set stands for tools known only at run time: the tools of MCP servers,
// which start in the background. The router offers a set's tools after its
// registered ones and sends it the calls to names it owns.
type Set interface {
	// Specs returns the set's tools as the model sees them now. It may wait
	// (bounded, and no longer than ctx) for the set to be ready.
	Specs(ctx context.Context) []model.ToolSpec
	// Lookup returns the tool named name, if the set has it.
	Lookup(name string) (Tool, bool)
}

// Router dispatches calls to registered tools by name. It is built once and
// not modified afterwards.
type Router struct {
	byName map[string]Tool
	order  []Tool
	specs  []model.ToolSpec
	sets   []Set
}

// WithSets returns a router over r's tools and sets.
func (r *Router) WithSets(sets ...Set) *Router {
	c := *r
	c.sets = append(append([]Set(nil), r.sets...), sets...)
	return &c
}

// SetSpecs returns the specs of the sets' tools (see Set.Specs), after
// the ones SpecsFor returns.
func (r *Router) SetSpecs(ctx context.Context) []model.ToolSpec {
	var out []model.ToolSpec
	for _, s := range r.sets {
		out = append(out, s.Specs(ctx)...)
	}
	return out
}

// PolicySpecer is implemented by tools whose spec depends on the approval
// policy (the shell tool offers escalation only where someone can approve it).
type PolicySpecer interface {
	SpecFor(approval protocol.ApprovalPolicy) model.ToolSpec
}

// NewRouter returns a router over ts. Names must be unique.
func NewRouter(ts ...Tool) (*Router, error) {
	r := &Router{byName: make(map[string]Tool, len(ts))}
	for _, t := range ts {
		s := t.Spec()
		if _, dup := r.byName[s.Name]; dup {
			return nil, fmt.Errorf("tool %q registered twice", s.Name)
		}
		r.byName[s.Name] = t
		r.order = append(r.order, t)
		r.specs = append(r.specs, s)
	}
	return r, nil
}

// Specs returns the tools' specs in registration order.
func (r *Router) Specs() []model.ToolSpec { return r.specs }

// ModelSpecer is implemented by tools whose spec depends on the model
// (apply_patch is a freeform tool for the model families trained on it).
type ModelSpecer interface {
	SpecForModel(name string) model.ToolSpec
}

// ModelOffer is implemented by tools offered to some models only (the
// model family chooses between `shell` and exec_command + write_stdin).
// A tool not offered still handles calls made to it.
type ModelOffer interface {
	OfferedTo(model string) bool
}

// Interrupter is implemented by tools that hold work across calls (live
// processes): Interrupt ends it when the user interrupts the turn.
type Interrupter interface {
	Interrupt()
}

// SpecsFor returns the specs of the tools offered to the named model under
// the approval policy, in registration order.
func (r *Router) SpecsFor(approval protocol.ApprovalPolicy, modelName string) []model.ToolSpec {
	out := make([]model.ToolSpec, 0, len(r.order))
	for i, t := range r.order {
		if mo, ok := t.(ModelOffer); ok && !mo.OfferedTo(modelName) {
			continue
		}
		switch st := t.(type) {
		case PolicySpecer:
			out = append(out, st.SpecFor(approval))
		case ModelSpecer:
			out = append(out, st.SpecForModel(modelName))
		default:
			out = append(out, r.specs[i])
		}
	}
	return out
}

// Interrupt tells every Interrupter that the user interrupted the turn.
func (r *Router) Interrupt() {
	for _, t := range r.order {
		if it, ok := t.(Interrupter); ok {
			it.Interrupt()
		}
	}
}

// Watcher is implemented by tools that report between calls (the output
// and the exit of live processes): Watch gets the session's emitter, and
// the stop it returns is called before the session ends, after which emit
// is not called.
type Watcher interface {
	Watch(emit func(protocol.EventMsg)) (stop func())
}

// Watch hands emit to every Watcher; the returned stop stops them all.
func (r *Router) Watch(emit func(protocol.EventMsg)) (stop func()) {
	var stops []func()
	for _, t := range r.order {
		if w, ok := t.(Watcher); ok {
			stops = append(stops, w.Watch(emit))
		}
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

// ProcessEnder is implemented by tools that keep processes running across
// calls: EndProcess ends one by its id and reports whether there was one.
type ProcessEnder interface {
	EndProcess(id int) bool
}

// EndProcess ends the live process with id (protocol.EndProcess).
func (r *Router) EndProcess(id int) bool {
	for _, t := range r.order {
		if pe, ok := t.(ProcessEnder); ok && pe.EndProcess(id) {
			return true
		}
	}
	return false
}

// Names returns the registered names, sorted.
func (r *Router) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ReadOnly reports whether call may run in parallel with other read-only calls.
func (r *Router) ReadOnly(call Call) bool {
	t, ok := r.lookup(call.Name)
	if !ok {
		return false
	}
	ro, ok := t.(ReadOnly)
	return ok && ro.ReadOnly(call)
}

// Handle dispatches call. An unknown tool is an error the model sees.
func (r *Router) Handle(ctx context.Context, env *Env, call Call) (Result, error) {
	t, ok := r.lookup(call.Name)
	if !ok {
		return ErrorResult("unsupported tool %q; available tools: %v", call.Name, r.Names()), nil
	}
	return t.Handle(ctx, env, call)
}

func (r *Router) lookup(name string) (Tool, bool) {
	if t, ok := r.byName[name]; ok {
		return t, true
	}
	for _, s := range r.sets {
		if t, ok := s.Lookup(name); ok {
			return t, true
		}
	}
	return nil, false
}

// DecodeArgs decodes a function call's JSON arguments into v, returning a
// model-facing message on failure.
func DecodeArgs(call Call, v any) (Result, bool) {
	if err := json.Unmarshal([]byte(call.Input), v); err != nil {
		return ErrorResult("failed to parse function arguments for %s: %v", call.Name, err), false
	}
	return Result{}, true
}
