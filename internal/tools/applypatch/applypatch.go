// Package applypatch is the apply_patch tool: the model edits files by
// sending a patch in Codex's format (see internal/patch), either as a
// function call ({"input": patch}), as a freeform call constrained by a Lark
// grammar, or through the shell tool (apply_patch <<'EOF' …), which routes
// such calls here with HandleShell.
//
// A call is parsed and verified in memory, checked against the approval
// policy (internal/approval), reported with PatchApplyBegin/PatchApplyEnd
// events and then applied all-or-nothing. Inside the workspace, files are
// opened without following symlinks, so a symlink planted by a sandboxed
// command cannot redirect a write outside it. This package does not decide
// policy itself and keeps no state between calls.
package applypatch

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/patch"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// ErrAborted is returned by Handle and HandleShell when the user answers a
// patch approval request with "abort": the turn must end (TurnAborted with
// reason "approval_aborted").
var ErrAborted = tools.ErrAborted

// Options configure the tool.
type Options struct {
	// Freeform offers the tool to every model as a custom tool whose input
	// is the patch itself, constrained by a Lark grammar. Without it the
	// form follows the model's family (model.ApplyPatchToolFor): freeform
	// for the families trained on it, else a function tool with an "input"
	// string argument.
	Freeform bool
	// Editor, if set, is where the text of the files a patch edits is read
	// and written (see Editor); removals and directories stay on disk.
	Editor Editor
}

// Tool is the apply_patch tool. It keeps no state between calls.
type Tool struct {
	opts Options
	// forPatch is the approval policy (approval.ForPatch; tests replace it).
	forPatch func(protocol.ApprovalPolicy, protocol.SandboxPolicy, string, []string) approval.Decision
}

// New returns the tool.
func New(opts Options) *Tool { return &Tool{opts: opts, forPatch: approval.ForPatch} }

var (
	_ tools.Tool        = (*Tool)(nil)
	_ tools.ModelSpecer = (*Tool)(nil)
)

// Spec returns the function or freeform spec, as Options say.
func (t *Tool) Spec() model.ToolSpec { return spec(t.opts.Freeform) }

// SpecForModel returns the spec offered to the named model: the freeform
// tool for the families trained on it (model.ApplyPatchToolFor) or when
// Options ask for it, the function tool otherwise. A wire without custom
// tools offers a freeform spec's function form instead.
func (t *Tool) SpecForModel(name string) model.ToolSpec {
	return spec(t.opts.Freeform || model.ApplyPatchToolFor(name) == model.ApplyPatchFreeform)
}

// Handle applies the patch in call (either form is accepted, whichever was
// offered). Failures the model should fix are failed Results; the error is
// non-nil only for ErrAborted or a canceled ctx.
func (t *Tool) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	text := call.Input
	if call.Kind != model.ToolCustom {
		var args struct {
			Input *string `json:"input"`
		}
		if res, ok := tools.DecodeArgs(call, &args); !ok {
			return res, nil
		}
		if args.Input == nil {
			return tools.ErrorResult("apply_patch: the \"input\" argument (the patch text) is required"), nil
		}
		text = *args.Input
	}
	return t.run(ctx, env, call.ID, text, "")
}

// HandleShell applies a patch the model ran through the shell tool, as
// found by patch.ExtractFromShell: the shell tool calls it instead of
// running the command. workdir is the directory the patch applies in ("" for
// env.Cwd); a relative workdir is relative to env.Cwd. Results and errors
// are as for Handle.
func (t *Tool) HandleShell(ctx context.Context, env *tools.Env, call tools.Call, patchText, workdir string) (tools.Result, error) {
	return t.run(ctx, env, call.ID, patchText, workdir)
}

func (t *Tool) run(ctx context.Context, env *tools.Env, callID, text, workdir string) (tools.Result, error) {
	// A patch that does not parse, does not apply or is refused is still a
	// failed edit the user sees (and --json reports), not only an error the
	// model reads.
	failed := func(changes []protocol.FileChange, res tools.Result) (tools.Result, error) {
		emit(env, protocol.PatchApplyEnd{CallID: callID, Success: false, Changes: changes, Output: res.Output})
		return res, nil
	}
	p, err := patch.Parse(text)
	if err != nil {
		return failed(nil, tools.ErrorResult("%v", err))
	}
	base := env.Cwd
	if workdir != "" {
		if filepath.IsAbs(workdir) {
			base = filepath.Clean(workdir)
		} else {
			base = filepath.Join(env.Cwd, workdir)
		}
	}
	roots := append([]string{env.Cwd}, env.Sandbox.WritableRoots...)
	fsys := newWorkspaceFS(base, roots, env.Sandbox.Mode != protocol.SandboxDangerFullAccess)
	var pfs patch.FS = fsys
	if t.opts.Editor != nil {
		pfs = &editorFS{workspaceFS: fsys, ctx: ctx, ed: t.opts.Editor}
	}
	plan, err := patch.Compute(pfs, p)
	if err != nil {
		return failed(nil, tools.ErrorResult("%v", err))
	}
	changes, paths := fileChanges(fsys, plan.Changes)
	auto, refused, err := t.approve(ctx, env, callID, changes, paths)
	if err != nil {
		return tools.Result{}, err
	}
	if refused != nil { // declined, by the user or the policy
		emit(env, protocol.PatchApplyEnd{CallID: callID, Success: false, Changes: changes, Output: refused.Output, Declined: true})
		return *refused, nil
	}
	emit(env, protocol.PatchApplyBegin{CallID: callID, Changes: changes, AutoApproved: auto})
	if err := plan.Commit(pfs); err != nil {
		emit(env, protocol.PatchApplyEnd{CallID: callID, Success: false, Changes: changes, Output: err.Error()})
		return tools.ErrorResult("%v", err), nil
	}
	out := patch.Summary(plan.Changes)
	emit(env, protocol.PatchApplyEnd{CallID: callID, Success: true, Changes: changes, Output: out})
	return tools.Result{Output: out}, nil
}

// fileChanges converts the plan's changes for events (absolute paths) and
// lists every absolute path the patch writes or removes.
func fileChanges(fsys *workspaceFS, cs []patch.Change) ([]protocol.FileChange, []string) {
	out := make([]protocol.FileChange, 0, len(cs))
	var paths []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, c := range cs {
		fc := protocol.FileChange{Path: fsys.abs(c.Path), UnifiedDiff: c.Diff}
		add(fc.Path)
		switch c.Kind {
		case patch.Add:
			fc.Kind = protocol.ChangeAdd
		case patch.Delete:
			fc.Kind = protocol.ChangeDelete
		default:
			fc.Kind = protocol.ChangeUpdate
		}
		if c.MovePath != "" {
			fc.MovePath = fsys.abs(c.MovePath)
			add(fc.MovePath)
		}
		out = append(out, fc)
	}
	return out, paths
}

// sessionKey is the key under which approval of path is remembered.
func sessionKey(path string) string { return "apply_patch\x00" + path }

// approve applies the approval policy. It returns whether the patch was
// approved without asking, or a Result to give the model when it was
// refused, or an error that ends the turn.
func (t *Tool) approve(ctx context.Context, env *tools.Env, callID string, changes []protocol.FileChange, paths []string) (bool, *tools.Result, error) {
	d := t.forPatch(env.ApprovalPolicy, env.Sandbox, env.Cwd, paths)
	switch d.Action {
	case approval.Run:
		return true, nil, nil
	case approval.Deny:
		reason := d.Reason
		if reason == "" {
			reason = "the approval policy does not allow writing these files"
		}
		res := tools.ErrorResult("patch rejected: %s", reason)
		return false, &res, nil
	case approval.Ask:
	}
	if approvedForSession(env, paths) {
		return true, nil, nil
	}
	if env.Approve == nil {
		res := tools.ErrorResult("patch rejected: it needs approval and no one can approve it (%s)", d.Reason)
		return false, &res, nil
	}
	dec, feedback := env.Approve(ctx, protocol.PatchApprovalRequest{CallID: callID, Changes: changes, Reason: d.Reason})
	if err := ctx.Err(); err != nil {
		return false, nil, err
	}
	switch dec {
	case protocol.DecisionApproved, protocol.DecisionApprovedPrefixRule: // a patch has no prefix rule: once
		return false, nil, nil
	case protocol.DecisionApprovedForSession:
		if env.Remember != nil {
			for _, p := range paths {
				env.Remember(sessionKey(p))
			}
		}
		return false, nil, nil
	case protocol.DecisionAbort:
		return false, nil, ErrAborted
	case protocol.DecisionDenied:
	}
	msg := "patch rejected by user"
	if f := strings.TrimSpace(feedback); f != "" {
		msg += ": " + f
	}
	res := tools.ErrorResult("%s", msg)
	return false, &res, nil
}

func approvedForSession(env *tools.Env, paths []string) bool {
	if env.Approved == nil || len(paths) == 0 {
		return false
	}
	for _, p := range paths {
		if !env.Approved(sessionKey(p)) {
			return false
		}
	}
	return true
}

func emit(env *tools.Env, msg protocol.EventMsg) {
	if env.Emit != nil {
		env.Emit(msg)
	}
}
