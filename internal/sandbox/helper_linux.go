package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// helperMain dispatches the helper's commands: "probe" (namespace probe)
// and "run" (the supervisor, which confines one thread and starts the
// command from it).
func helperMain(args []string) int {
	if len(args) == 1 && args[0] == "probe" {
		return helperProbe()
	}
	if len(args) == 2 && args[0] == "netns" {
		return holderMain(args[1])
	}
	if len(args) > 0 && args[0] == "relay" {
		return relayMain(args[1:])
	}
	if len(args) > 2 && args[0] == "reap" && args[1] == "--" {
		return reapMain(args[2:])
	}
	if len(args) < 4 || args[2] != "--" || args[0] != "run" {
		return helperFail("usage: %s run <policy> -- command [args...]", HelperArg)
	}
	var s spec
	if err := json.Unmarshal([]byte(args[1]), &s); err != nil {
		return helperFail("decoding policy: %v", err)
	}
	return supervise(s, args[3:])
}

// helperFail reports a helper error on stderr and returns ExitHelperError.
func helperFail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, StderrPrefix+format+"\n", a...)
	return ExitHelperError
}

// supervise is the helper. With namespaces it is PID 1 of a new PID
// namespace: it sets up the mounts, and when it exits the kernel kills
// everything left in the namespace. Without, it is a child subreaper that
// kills every descendant when the command ends. It confines one locked OS
// thread of its own and starts the command from that thread (the command
// inherits the thread's Landlock domain, seccomp filter, no_new_privs and
// empty capability sets); its other threads stay unconfined, so that it can
// clean up and undo tampering afterwards.
func supervise(s spec, argv []string) int {
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
		var err error
		if snap, err = takeSpecSnapshot(s); err != nil {
			return helperFail("%v", err)
		}
	}
	// Process-wide: inherited fds above stderr never reach the command, and
	// the resource limits apply to it (and harmlessly to the supervisor).
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return helperFail("closing inherited file descriptors: %v", err)
	}
	if err := setRlimits(s); err != nil {
		return helperFail("setting resource limits: %v", err)
	}
	sigs := catchStops()
	defer signal.Stop(sigs)
	started := make(chan startResult, 1)
	done := make(chan struct{})
	go confineAndStart(s, argv, started, done)
	res := <-started
	if res.err != nil {
		close(done)
		return res.code
	}
	code := waitCommand(res.pid, sigs)
	close(done)
	killAll(s.Namespaces)
	if snap != nil {
		reportRestore(snap.Restore())
	}
	return code
}

// startResult is the command's pid, or the exit status and error when it
// could not be started.
type startResult struct {
	pid  int
	code int
	err  error
}

// confineAndStart runs on its own goroutine, locked to an OS thread that is
// never unlocked (the thread ends with the goroutine, so its restrictions
// never reach other goroutines): it confines the thread, starts the command
// from it, and keeps it alive until done (the parent-death signal is tied
// to the thread that started the child).
func confineAndStart(s spec, argv []string, started chan<- startResult, done <-chan struct{}) {
	runtime.LockOSThread()
	started <- startConfined(s, argv)
	<-done
}

// startConfined applies no_new_privs, Landlock, seccomp and the capability
// drop to the calling thread, in that order, then starts the command in a
// new session with only fds 0–2 (and, when s.TTY, fd 0's terminal as its
// controlling terminal; no controlling terminal otherwise).
func startConfined(s spec, argv []string) startResult {
	fail := func(format string, a ...any) startResult {
		return startResult{code: helperFail(format, a...), err: errors.New("not started")}
	}
	env := childEnv(os.Environ(), s)
	path, err := lookPath(argv[0], env)
	if err != nil {
		code := 127
		if errors.Is(err, os.ErrPermission) {
			code = 126
		}
		fmtStderr("%s: %v", argv[0], err)
		return startResult{code: code, err: err}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail("setting no_new_privs: %v", err)
	}
	if err := applyLandlock(s); err != nil {
		return fail("applying Landlock: %v", err)
	}
	if err := applySeccomp(netModeFor(s)); err != nil {
		return fail("installing seccomp filter: %v", err)
	}
	if err := dropCapabilities(); err != nil {
		return fail("dropping capabilities: %v", err)
	}
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Dir:   s.Cwd,
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setsid: true, Setctty: s.TTY, Ctty: 0, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fmtStderr("%s: %v", argv[0], err)
		return startResult{code: code, err: err}
	}
	return startResult{pid: pid}
}

// lookPath finds file in env's PATH, as the command's own shell would.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return exec.LookPath(file)
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			if fi.Mode()&0o111 == 0 {
				return "", &exec.Error{Name: file, Err: os.ErrPermission}
			}
			return p, nil
		}
	}
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
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

// catchStops catches the signals that stop the helper (kodex's death sends
// SIGTERM, see Pdeathsig) from now on. It is called before the command
// starts: a signal that came between the start and the wait would
// otherwise end the helper with its default action, and leave the command
// running on its own.
func catchStops() chan os.Signal {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT)
	return sigs
}

// waitCommand forwards termination signals to the command's process group
// (escalating to SIGKILL after a grace period), reaps every child and returns
// the command's status in shell form.
func waitCommand(pid int, sigs <-chan os.Signal) int {
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
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.ECHILD {
			// No children: as PID 1 or a subreaper, every descendant still
			// alive would be our child (directly or reparented), so none is.
			return
		}
		if wpid > 0 {
			continue
		}
		if ns {
			_ = unix.Kill(-1, unix.SIGKILL) // everything in our PID namespace but us
		} else {
			for _, p := range descendants(os.Getpid()) {
				_ = unix.Kill(p, unix.SIGKILL)
			}
		}
		// Live children remain (killed, not yet dead, or just forked):
		// back off briefly and sweep again.
		time.Sleep(200 * time.Microsecond)
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
