package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Unconfined commands (danger-full-access) get no sandbox, but they must
// not outlive kodex either: a command's background children are not in
// kodex's care once it is SIGKILLed, and the kernel reparents them to init.
// So on Linux an unconfined command runs under the helper in "reap" mode:
// a child subreaper with nothing else to it (no namespaces, no Landlock, no
// seccomp), whose parent-death signal is SIGTERM. When kodex dies, or the
// command ends, it stops the command's group and kills every process the
// command left behind, as the confining supervisor does without namespaces.

// reaperCommand returns the helper command that runs req.Argv unconfined
// under a reaper, or nil when it cannot be used (no helper binary; a
// terminal session, whose processes get SIGHUP when kodex's end of the
// terminal closes).
func reaperCommand(ctx context.Context, req Request) *exec.Cmd {
	if req.Self == "" || req.TTY {
		return nil
	}
	args := append([]string{HelperArg, "reap", "--"}, req.Argv...)
	cmd := exec.CommandContext(ctx, req.Self, args...)
	cmd.Dir = req.Cwd
	cmd.Env = append(append([]string(nil), req.Env...), EnvMechanism+"="+MechNone)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// reapMain runs argv as the reaper's only child and returns its status in
// shell form (127 when it cannot be started).
func reapMain(argv []string) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return helperFail("becoming a subreaper: %v", err)
	}
	sigs := catchStops()
	defer signal.Stop(sigs)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "kodex: %v\n", err)
		return 127
	}
	code := waitCommand(cmd.Process.Pid, sigs) // reaps; cmd.Wait is never called
	killAll(false)
	return code
}
