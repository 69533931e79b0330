package sandbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
)

const sandboxExec = "/usr/bin/sandbox-exec"

// command runs req under sandbox-exec with a generated Seatbelt profile.
// Not testable on the Linux CI machines; the profile is golden-tested.
func command(ctx context.Context, req Request) (*exec.Cmd, Info, error) {
	if _, err := os.Stat(sandboxExec); err != nil {
		return nil, Info{}, fmt.Errorf("%w: %s not found; run commands unconfined only by choosing it explicitly (-s danger-full-access)", ErrUnavailable, sandboxExec)
	}
	s, err := buildSpec(req)
	if err != nil {
		return nil, Info{}, err
	}
	s.Mechanism = MechSeatbelt
	if s.Mode == "workspace-write" {
		dir, err := os.MkdirTemp("", "kodex-sandbox-")
		if err != nil {
			return nil, Info{}, fmt.Errorf("sandbox: making the private temp dir: %w", err)
		}
		s.TmpDir = canon(dir)
	}
	profile, params := seatbeltProfile(s)
	args := []string{"-p", profile}
	for _, p := range params {
		args = append(args, "-D", p)
	}
	args = append(append(args, "--"), req.Argv...)
	cmd := exec.CommandContext(ctx, sandboxExec, args...)
	cmd.Dir = s.Cwd
	cmd.Env = childEnv(req.Env, s)
	if req.TTY { // sandbox-exec execs the command in place
		cmd.SysProcAttr = ttyAttr()
	}
	return cmd, Info{Mechanism: MechSeatbelt, Degraded: []string{
		"protected paths are guarded by Seatbelt rules only (no integrity check)",
		"the private temp dir is not removed automatically"}}, nil
}

func helperMain([]string) int { return ExitHelperError }

// Explain writes what the sandbox can do on this machine.
func Explain(w io.Writer, _ string) error {
	_, err := fmt.Fprintf(w, "platform:     darwin\nmechanism:    %s (%s with a generated profile; deny by default, read all but secrets, write the roots minus protected paths, network off unless allowed)\n", MechSeatbelt, sandboxExec)
	return err
}
