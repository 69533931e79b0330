package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// helperMain dispatches the helper's stages: "probe" (namespace probe),
// "run" (the supervisor, stage 1) and "exec" (confine and execve, stage 2).
func helperMain(args []string) int {
	if len(args) == 1 && args[0] == "probe" {
		return helperProbe()
	}
	if len(args) < 4 || args[2] != "--" {
		return helperFail("usage: %s {run|exec} <policy> -- command [args...]", HelperArg)
	}
	var s spec
	if err := json.Unmarshal([]byte(args[1]), &s); err != nil {
		return helperFail("decoding policy: %v", err)
	}
	argv := args[3:]
	switch args[0] {
	case "run":
		return supervise(s, argv)
	case "exec":
		return confineExec(s, argv)
	}
	return helperFail("unknown stage %q", args[0])
}

// helperFail reports a helper error on stderr and returns ExitHelperError.
func helperFail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, StderrPrefix+format+"\n", a...)
	return ExitHelperError
}

// supervise is stage 1. With namespaces it is PID 1 of a new PID namespace:
// it sets up the mounts, and when it exits the kernel kills everything left
// in the namespace. Without, it is a child subreaper that kills every
// descendant when the command ends. Either way it is not confined itself
// (it only waits) so that it can clean up and undo tampering afterwards.
func supervise(s spec, argv []string) int {
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return helperFail("opening own binary: %v", err)
	}
	stage2 := "/proc/self/fd/" + strconv.Itoa(int(self.Fd()))
	ws := s.Mode == protocol.SandboxWorkspaceWrite
	if s.Namespaces {
		if err := setupMounts(&s); err != nil {
			return helperFail("%v", err)
		}
		if ws && s.TmpDir == "" {
			// The private /dev/shm vanishes with the namespace.
			dir := "/dev/shm/tmp"
			if err := os.Mkdir(dir, 0o700); err != nil {
				return helperFail("making the private temp dir: %v", err)
			}
			s.TmpDir = dir
		}
	} else {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return helperFail("becoming a subreaper: %v", err)
		}
		if ws && s.TmpDir == "" {
			dir, err := os.MkdirTemp("", "kodex-sandbox-")
			if err != nil {
				return helperFail("making the private temp dir: %v", err)
			}
			defer os.RemoveAll(dir)
			s.TmpDir = dir
		}
	}
	var snap *Snapshot
	if ws {
		if snap, err = takeSpecSnapshot(s); err != nil {
			return helperFail("%v", err)
		}
	}
	enc, _ := json.Marshal(s)
	proc, err := os.StartProcess(stage2, append([]string{"kodex-sandbox", HelperArg, "exec", string(enc), "--"}, argv...),
		&os.ProcAttr{
			Dir:   s.Cwd,
			Env:   childEnv(os.Environ(), s),
			Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
			Sys:   &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL},
		})
	self.Close()
	if err != nil {
		return helperFail("starting the command: %v", err)
	}
	code := waitCommand(proc.Pid)
	killAll(s.Namespaces)
	if snap != nil {
		reportRestore(snap.Restore())
	}
	return code
}

// reportRestore tells the user, on stderr, what the integrity check undid.
func reportRestore(tampered []string, err error) {
	if len(tampered) > 0 {
		fmt.Fprintf(os.Stderr, StderrPrefix+"the command changed protected paths; restored: %s\n", strings.Join(tampered, ", "))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, StderrPrefix+"restoring protected paths: %v\n", err)
	}
}

// waitCommand forwards termination signals to the command's process group
// (escalating to SIGKILL after a grace period), reaps every child and returns
// the command's status in shell form.
func waitCommand(pid int) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		var grace <-chan time.Time
		for {
			select {
			case sig := <-sigs:
				_ = unix.Kill(-pid, sig.(unix.Signal))
				if grace == nil {
					grace = time.After(3 * time.Second)
				}
			case <-grace:
				_ = unix.Kill(-pid, unix.SIGKILL)
			case <-done:
				return
			}
		}
	}()
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return helperFail("waiting for the command: %v", err)
		}
		if wpid != pid {
			continue // a reparented orphan
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
	}
}

// killAll kills every process the command left behind and reaps them.
func killAll(ns bool) {
	for {
		if ns {
			_ = unix.Kill(-1, unix.SIGKILL) // everything in our PID namespace but us
		} else {
			for _, p := range descendants(os.Getpid()) {
				_ = unix.Kill(p, unix.SIGKILL)
			}
		}
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.ECHILD {
			return
		}
		if wpid == 0 {
			// Live children remain (killed, not yet dead, or just forked):
			// back off briefly and sweep again.
			time.Sleep(200 * time.Microsecond)
		}
	}
}

// descendants lists the processes below pid by scanning /proc.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parens.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q, n := parent[p], 0; q > 1 && n < 4096; q, n = parent[q], n+1 {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
