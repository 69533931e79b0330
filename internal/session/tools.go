package session

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/patch"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
	"github.com/kodex-cli/kodex/internal/tools/applypatch"
	"github.com/kodex-cli/kodex/internal/tools/plan"
	"github.com/kodex-cli/kodex/internal/tools/shell"
	"github.com/kodex-cli/kodex/internal/tools/viewimage"
)

// buildTools registers the tools the model sees and names the sandbox
// mechanism commands will run under. When the policy asks for a sandbox and
// none can be applied, it fails with sandbox.ErrUnavailable before the
// session starts, never silently running commands unconfined.
// The session's private temp dir (TMPDIR of its sandboxed commands) is made
// on first use; tmp.remove deletes it when the session ends. The returned
// func ends the processes exec_command left running and the session's
// network namespace; call it when the session ends, before tmp.remove.
// editor, if not nil, is where apply_patch reads and writes files' text.
func (rt *Runtime) buildTools(pol protocol.SandboxPolicy, tmp *sessionTmp, editor applypatch.Editor) (*tools.Router, string, func(), error) {
	self, err := rt.env.Executable()
	if err != nil {
		return nil, "", nil, fmt.Errorf("finding the kodex binary for the sandbox helper: %w", err)
	}
	mechanism, err := rt.probe(pol)()
	if err != nil {
		return nil, "", nil, err
	}
	shellFor := shellChoice(rt.Config)
	netns := sandbox.NewNetNS()
	ap := applypatch.New(applypatch.Options{Editor: editor})
	sp := rt.Config.ShellEnvironmentPolicy
	sh := shell.New(shell.Options{
		Self: self,
		EnvPolicy: proc.EnvPolicy{
			Inherit:               proc.Inherit(sp.Inherit),
			IgnoreDefaultExcludes: sp.IgnoreDefaultExcludes,
			Allow:                 sp.Allow,
			Exclude:               sp.Exclude,
			IncludeOnly:           sp.IncludeOnly,
			Set:                   sp.Set,
		},
		Environ:    rt.env.Environ,
		MaxTimeout: time.Duration(rt.Config.ShellTimeoutMsMax) * time.Millisecond,
		TmpDir:     tmp.get,
		NetNS:      netns,
		// apply_patch sent through the shell (argv or a bash heredoc) goes to
		// the patch engine, not to a process.
		Intercept: func(ctx context.Context, env *tools.Env, call tools.Call, argv []string, workdir string) (tools.Result, bool, error) {
			text, dir, ok := patch.ExtractFromShell(argv)
			if !ok {
				return tools.Result{}, false, nil
			}
			if dir != "" {
				dir = joinDir(workdir, dir)
			} else {
				dir = workdir
			}
			res, err := ap.HandleShell(ctx, env, call, text, dir)
			return res, true, err
		},
		Logger:         rt.env.Logger,
		Offered:        shellFor(model.ShellArgv),
		PrefixRules:    loadPrefixRules(rt.Config.Home, pol.WritableRoots, rt.env.Logger),
		SavePrefixRule: savePrefixRule(rt.Config.Home),
	})
	procs := shell.NewProcesses(rt.Config.Tools.MaxLiveProcesses)
	ex, ws := shell.NewUnified(sh, procs, shellFor(model.ShellUnifiedExec))
	ts := []tools.Tool{sh, shell.NewCommand(sh, shellFor(model.ShellCommand)), ex, ws, ap, plan.New()}
	if rt.Config.Tools.ViewImage {
		ts = append(ts, viewimage.New())
	}
	r, err := tools.NewRouter(ts...)
	closeTools := func() {
		procs.Close()
		netns.Close()
	}
	return r, mechanism, closeTools, err
}

// shellChoice returns, for each shell tool form, whether a model is
// offered it: Codex's features.shell_tool and features.unified_exec
// (config, -c, --enable/--disable) and the model family decide (see
// model.ChooseShellTool). Calls to a tool not offered still run.
func shellChoice(cfg *config.Config) func(form model.ShellTool) func(name string) bool {
	on, unified := cfg.Features.ShellTool, cfg.Features.UnifiedExec
	return func(form model.ShellTool) func(string) bool {
		return func(name string) bool { return model.ChooseShellTool(name, on, unified) == form }
	}
}

// sessionTmp is one session's private temp dir: kept for the session's
// life, so that a file one command makes in $TMPDIR is there for the next,
// and removed at its end.
type sessionTmp struct {
	once sync.Once
	mu   sync.Mutex
	dir  string
	err  error
}

func (s *sessionTmp) get() (string, error) {
	s.once.Do(func() {
		dir, err := os.MkdirTemp("", "kodex-session-")
		s.mu.Lock()
		s.dir, s.err = dir, err
		s.mu.Unlock()
	})
	return s.dir, s.err
}

// remove deletes the temp dir and everything in it.
func (s *sessionTmp) remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// probe returns the function that waits for the sandbox probe of pol's
// kind (confined or not), started in the background on first use: the
// probe re-executes kodex, so it overlaps the rest of the session set-up.
func (rt *Runtime) probe(pol protocol.SandboxPolicy) func() (string, error) {
	unconfined := pol.Mode == protocol.SandboxDangerFullAccess
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if p, ok := rt.probes[unconfined]; ok {
		return p
	}
	p := sync.OnceValues(func() (string, error) {
		self, err := rt.env.Executable()
		if err != nil {
			return "", fmt.Errorf("finding the kodex binary for the sandbox helper: %w", err)
		}
		return probeSandbox(pol, self)
	})
	if rt.probes == nil {
		rt.probes = map[bool]func() (string, error){}
	}
	rt.probes[unconfined] = p
	go func() { _, _ = p() }()
	return p
}

// probeSandbox reports the mechanism commands will run under, or why none
// can be applied.
func probeSandbox(policy protocol.SandboxPolicy, self string) (string, error) {
	if policy.Mode == protocol.SandboxDangerFullAccess {
		return sandbox.MechNone, nil
	}
	// Build (but do not run) a confined command: this runs the probe and
	// fails exactly when a real command would.
	_, info, err := sandbox.Command(context.Background(), sandbox.Request{
		Argv: []string{"true"}, Cwd: os.TempDir(), Policy: policy, Self: self,
	})
	if err != nil {
		return "", err
	}
	return info.Mechanism, nil
}

func joinDir(base, dir string) string {
	if len(dir) > 0 && dir[0] == '/' {
		return dir
	}
	return base + string(os.PathSeparator) + dir
}
