//go:build unix

package shell

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/tools"
)

func newUnified(t testing.TB, max int) (*ExecCommand, *WriteStdin, *Processes) {
	procs := NewProcesses(max)
	ex, ws := NewUnified(New(Options{}), procs, nil)
	t.Cleanup(procs.Close)
	return ex, ws, procs
}

// unifiedCall makes a call; exec_command runs a non-login shell (the
// machine's profile is no business of these tests).
func unifiedCall(t testing.TB, name string, a map[string]any) tools.Call {
	t.Helper()
	if _, ok := a["login"]; !ok && name == ExecCommandName {
		a["login"] = false
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return tools.Call{ID: "call_" + name, Name: name, Kind: "function", Input: string(b)}
}

var sessionIDRE = regexp.MustCompile(`Process running with session ID (\d+)\n`)

// sessionID returns the id a running answer gives, or fails.
func sessionID(t testing.TB, res tools.Result) int {
	t.Helper()
	m := sessionIDRE.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("answer gives no session ID:\n%s", res.Output)
	}
	id, _ := strconv.Atoi(m[1])
	return id
}

// outputOf is the answer's output section.
func outputOf(res tools.Result) string {
	_, out, _ := strings.Cut(res.Output, "\nOutput:\n")
	return out
}

func TestExecCommandExitsWithinYield(t *testing.T) {
	t.Parallel()
	ex, _, procs := newUnified(t, 0)
	env, f := newEnv(t, protocol.ApprovalNever, fullAccess)
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "echo hi; exit 3"}))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 3\nOriginal token count: 1\nOutput:\nhi\n$`)
	if !re.MatchString(res.Output) || !res.Failed {
		t.Errorf("answer = %+v, want Codex's sections, exit 3, failed", res)
	}
	if got, want := strings.Join(f.types(), " "), "exec_begin exec_output_delta exec_end"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	if end := f.lastEnd(); end.ExitCode != 3 || end.AggregatedOutput != "hi\n" || end.CallID != "call_exec_command" {
		t.Errorf("ExecEnd = %+v", end)
	}
	if n := len(procs.List()); n != 0 {
		t.Errorf("%d processes kept after the exit was reported", n)
	}
}

// TestWriteStdinTerminal drives a program through its terminal: what is
// written is read, output since the last answer comes back, Ctrl-D ends it.
func TestWriteStdinTerminal(t *testing.T) {
	t.Parallel()
	ex, ws, _ := newUnified(t, 0)
	env, f := newEnv(t, protocol.ApprovalNever, fullAccess)
	ctx := context.Background()
	res, err := ex.Handle(ctx, env, unifiedCall(t, ExecCommandName, map[string]any{
		"cmd": `test -t 0 && echo tty; while read l; do echo "got:$l"; done; echo bye`, "tty": true, "yield_time_ms": 300}))
	if err != nil {
		t.Fatal(err)
	}
	id := sessionID(t, res)
	if out := outputOf(res); !strings.Contains(out, "tty") {
		t.Errorf("first output = %q, want the terminal seen", out)
	}
	res, err = ws.Handle(ctx, env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id, "chars": "one\n", "yield_time_ms": 500}))
	if err != nil {
		t.Fatal(err)
	}
	if out := outputOf(res); !strings.Contains(out, "got:one") || strings.Contains(out, "tty") {
		t.Errorf("output after write = %q, want only what came since", out)
	}
	var typed []protocol.TerminalInteraction
	f.mu.Lock()
	for _, ev := range f.events {
		if e, ok := ev.(protocol.TerminalInteraction); ok {
			typed = append(typed, e)
		}
	}
	f.mu.Unlock()
	if want := (protocol.TerminalInteraction{CallID: "call_exec_command", ProcessID: id, Stdin: "one\n"}); len(typed) != 1 || typed[0] != want {
		t.Errorf("terminal interactions = %+v, want [%+v]", typed, want)
	}
	sessionID(t, res)
	res, err = ws.Handle(ctx, env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id, "chars": "\u0004", "yield_time_ms": 5000}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "Process exited with code 0\n") || !strings.Contains(outputOf(res), "bye") {
		t.Errorf("after Ctrl-D: %q", res.Output)
	}
	if end := f.lastEnd(); end.CallID != "call_exec_command" || !strings.Contains(end.AggregatedOutput, "got:one") {
		t.Errorf("ExecEnd = %+v, want the exec_command's call id and all the output", end)
	}
	res, _ = ws.Handle(ctx, env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id}))
	if !res.Failed || !strings.Contains(res.Output, "Unknown process id "+strconv.Itoa(id)) {
		t.Errorf("polling a finished process = %+v", res)
	}
}

func TestWriteStdinPipesHaveNoStdin(t *testing.T) {
	t.Parallel()
	ex, ws, _ := newUnified(t, 0)
	env, _ := newEnv(t, protocol.ApprovalNever, fullAccess)
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "cat; sleep 30", "yield_time_ms": 250}))
	if err != nil {
		t.Fatal(err)
	}
	id := sessionID(t, res)
	res, _ = ws.Handle(context.Background(), env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id, "chars": "x"}))
	if !res.Failed || !strings.Contains(res.Output, "rerun exec_command with tty=true") {
		t.Errorf("write to a pipe session = %+v", res)
	}
}

// alive reports whether the process group led by pid still has a member
// that is not a zombie (an orphan waiting for init to reap it is dead).
func alive(pid int) bool {
	if errors.Is(unix.Kill(-pid, 0), unix.ESRCH) {
		return false
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// TestLimitEndsOldestIdle: the ninth process ends the one idle longest,
// with a note to the model, and that one's whole group is gone.
func TestLimitEndsOldestIdle(t *testing.T) {
	t.Parallel()
	ex, _, procs := newUnified(t, 2)
	env, _ := newEnv(t, protocol.ApprovalNever, fullAccess)
	start := func() int {
		res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sleep 60 & sleep 60", "yield_time_ms": 250}))
		if err != nil {
			t.Fatal(err)
		}
		return sessionID(t, res)
	}
	first := start()
	pid := procs.get(first).cmd.Process.Pid
	start()
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sleep 60", "yield_time_ms": 250}))
	if err != nil {
		t.Fatal(err)
	}
	if want := "the oldest idle one (session ID " + strconv.Itoa(first) + ": sleep 60 & sleep 60) was ended"; !strings.Contains(res.Output, want) {
		t.Errorf("answer = %q, want a note with %q", res.Output, want)
	}
	if procs.get(first) != nil || len(procs.List()) != 2 {
		t.Errorf("live = %+v, want 2 without %d", procs.List(), first)
	}
	if alive(pid) {
		t.Errorf("the ended process's group %d survives", pid)
	}
}

// TestInterruptEndsEverything: an interrupt (and Close, at session end)
// ends every live process with its background children; a call waiting on
// one returns the context's error.
func TestInterruptEndsEverything(t *testing.T) {
	t.Parallel()
	ex, ws, procs := newUnified(t, 0)
	env, _ := newEnv(t, protocol.ApprovalNever, fullAccess)
	var pids []int
	var id int
	for range 3 {
		res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sleep 60 & sleep 60", "tty": true, "yield_time_ms": 250}))
		if err != nil {
			t.Fatal(err)
		}
		id = sessionID(t, res)
		pids = append(pids, procs.get(id).cmd.Process.Pid)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ws.Handle(ctx, env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id, "yield_time_ms": 60000}))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted poll = %v, want context.Canceled", err)
	}
	ex.Interrupt()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process group %d survives the interrupt", pid)
		}
	}
	if n := len(procs.List()); n != 0 {
		t.Errorf("%d processes listed after the interrupt", n)
	}
	procs.Close()
	res, _ := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "true"}))
	if !res.Failed || !strings.Contains(res.Output, "session has ended") {
		t.Errorf("exec_command after Close = %+v", res)
	}
}

func TestOutputBudgetHeadAndTail(t *testing.T) {
	t.Parallel()
	ex, _, _ := newUnified(t, 0)
	env, _ := newEnv(t, protocol.ApprovalNever, fullAccess)
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{
		"cmd": "seq 1 20000", "max_output_tokens": 100}))
	if err != nil {
		t.Fatal(err)
	}
	out := outputOf(res)
	if !strings.HasPrefix(out, "1\n2\n") || !strings.HasSuffix(out, "19999\n20000\n") || !strings.Contains(out, "omitted") || len(out) > 600 {
		t.Errorf("output (%d bytes) = %q, want head and tail within 100 tokens", len(out), out)
	}
	if !strings.Contains(res.Output, "Original token count: 27224\n") {
		t.Errorf("answer = %q, want the original token count of 108894 bytes", res.Output[:min(len(res.Output), 120)])
	}
}

func TestRingKeepsHeadAndTail(t *testing.T) {
	t.Parallel()
	r := newRing(8)
	for _, s := range []string{"abc", "defgh", "ijklmnop", "qrst"} {
		r.add([]byte(s))
	}
	if got, want := r.take(), "abcd\n[... 12 bytes (0 lines) omitted ...]\nqrst"; got != want {
		t.Errorf("take = %q, want %q", got, want)
	}
	if got := r.take(); got != "" {
		t.Errorf("second take = %q, want empty", got)
	}
}

// BenchmarkWriteStdinPoll measures what a write_stdin call costs beyond
// its yield time: a write to a terminal session (cat) that answers at
// once, with the shortest yield (250 ms). overhead-ms is wall time minus
// the yield.
func BenchmarkWriteStdinPoll(b *testing.B) {
	procs := NewProcesses(0)
	b.Cleanup(procs.Close)
	ex, ws := NewUnified(New(Options{}), procs, nil)
	cwd := b.TempDir()
	env := &tools.Env{Cwd: cwd, ApprovalPolicy: protocol.ApprovalNever, Emit: func(protocol.EventMsg) {},
		Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}}
	res, err := ex.Handle(context.Background(), env, unifiedCall(b, ExecCommandName, map[string]any{"cmd": "cat", "tty": true, "yield_time_ms": 250}))
	if err != nil {
		b.Fatal(err)
	}
	benchPoll(b, ws, env, sessionID(b, res))
}

// benchPoll measures write_stdin calls to a terminal session that answers
// at once, with the shortest yield, and reports the time beyond the yield
// as overhead-ms/op.
func benchPoll(b *testing.B, ws *WriteStdin, env *tools.Env, id int) {
	c := unifiedCall(b, WriteStdinName, map[string]any{"session_id": id, "chars": "x\n", "yield_time_ms": 250})
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := ws.Handle(context.Background(), env, c)
		total += time.Since(start)
		if err != nil || res.Failed {
			b.Fatalf("write_stdin: %v %+v", err, res)
		}
	}
	b.ReportMetric(float64(total-time.Duration(b.N)*minYield)/float64(b.N)/1e6, "overhead-ms/op")
}

// TestWatchReportsBetweenCalls: with the session's emitter, a process
// reports its output and its exit as they happen, between calls, with its
// process id in ExecBegin; EndProcess ends one; after stop nothing is
// emitted.
func TestWatchReportsBetweenCalls(t *testing.T) {
	t.Parallel()
	ex, _, procs := newUnified(t, 0)
	env, f := newEnv(t, protocol.ApprovalNever, fullAccess)
	session := make(chan protocol.EventMsg, 64)
	stop := ex.Watch(func(m protocol.EventMsg) { session <- m })
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{
		"cmd": "read x; echo late; exit 4", "tty": true, "yield_time_ms": 250}))
	if err != nil {
		t.Fatal(err)
	}
	id := sessionID(t, res)
	if begin := f.events[0].(protocol.ExecBegin); begin.ProcessID != id {
		t.Errorf("ExecBegin = %+v, want ProcessID %d", begin, id)
	}
	if _, err := io.WriteString(procs.get(id).stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
wait:
	for ev := range session {
		switch e := ev.(type) {
		case protocol.ExecOutputDelta:
			out.Write(e.Chunk)
		case protocol.ExecEnd:
			if e.ExitCode != 4 || e.CallID != "call_exec_command" || !strings.Contains(out.String(), "late") {
				t.Errorf("ExecEnd = %+v after output %q", e, out.String())
			}
			break wait
		}
	}
	res, err = ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sleep 60", "yield_time_ms": 250}))
	if err != nil {
		t.Fatal(err)
	}
	id = sessionID(t, res)
	if !ex.EndProcess(id) || ex.EndProcess(id) {
		t.Error("EndProcess: want true once, then false")
	}
	if end := (<-session).(protocol.ExecEnd); end.ExitCode == 0 {
		t.Errorf("ended process's ExecEnd = %+v", end)
	}
	stop()
	if _, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sleep 60", "yield_time_ms": 250})); err != nil {
		t.Fatal(err)
	}
	procs.EndAll()
	select {
	case ev := <-session:
		t.Errorf("event after stop: %#v", ev)
	default:
	}
}

// deniedSandbox confines nothing but makes a command fail like a blocked
// write when run sandboxed.
func deniedSandbox(ctx context.Context, req sandbox.Request) (*exec.Cmd, sandbox.Info, error) {
	req.Argv = append([]string(nil), req.Argv...)
	mech := "none"
	if req.Policy.Mode != protocol.SandboxDangerFullAccess {
		mech = "fake"
		req.Argv[len(req.Argv)-1] = "echo 'touch: /etc/x: Read-only file system' >&2; exit 1"
	}
	cmd, _, err := sandbox.Command(ctx, sandbox.Request{Argv: req.Argv, Cwd: req.Cwd, Env: req.Env, TTY: req.TTY,
		Policy: protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}})
	return cmd, sandbox.Info{Mechanism: mech}, err
}

// TestExecCommandOnFailureRerun: under on-failure a command the sandbox
// likely blocked is offered to run outside it, as shell's is; approved, the
// answer is the rerun's; declined, a note says so.
func TestExecCommandOnFailureRerun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		decision protocol.ReviewDecision
		want     string
	}{
		{protocol.DecisionApproved, "Process exited with code 0\nOriginal token count: 3\nOutput:\nran outside\n"},
		{protocol.DecisionDenied, "Read-only file system\n[sandbox fake] the sandbox likely blocked this command; the user declined to rerun it outside the sandbox\n"},
	} {
		t.Run(string(tt.decision), func(t *testing.T) {
			t.Parallel()
			procs := NewProcesses(0)
			t.Cleanup(procs.Close)
			ex, _ := NewUnified(New(Options{Sandbox: deniedSandbox}), procs, nil)
			env, f := newEnv(t, protocol.ApprovalOnFailure, workspace, tt.decision)
			res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "echo ran outside"}))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(res.Output, tt.want) {
				t.Errorf("answer = %q, want it to end with %q", res.Output, tt.want)
			}
			if len(f.requests) != 1 || !f.requests[0].Escalated {
				t.Errorf("approval requests = %+v, want one to run outside the sandbox", f.requests)
			}
		})
	}
}

// TestApprovalCoversTheCommandNotStdin: the user is asked about the
// command; what the model later writes to it is not asked about.
func TestApprovalCoversTheCommandNotStdin(t *testing.T) {
	t.Parallel()
	ex, ws, _ := newUnified(t, 0)
	env, f := newEnv(t, protocol.ApprovalUntrusted, fullAccess, protocol.DecisionApproved)
	res, err := ex.Handle(context.Background(), env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": "sh", "tty": true, "yield_time_ms": 250}))
	if err != nil {
		t.Fatal(err)
	}
	id := sessionID(t, res)
	if len(f.requests) != 1 || f.requests[0].Command[2] != "sh" {
		t.Fatalf("approval requests = %+v, want one for sh", f.requests)
	}
	res, err = ws.Handle(context.Background(), env, unifiedCall(t, WriteStdinName, map[string]any{"session_id": id, "chars": "rm -f nothing-here; exit\n", "yield_time_ms": 5000}))
	if err != nil || res.Failed {
		t.Fatalf("write_stdin = %+v, %v", res, err)
	}
	if len(f.requests) != 1 {
		t.Errorf("write_stdin asked for approval: %+v", f.requests[1:])
	}
}

// TestInterruptedCallReportsKilled: a command interrupted in its first call
// is reported killed (exit -1) with the output it printed, not with the
// zero exit code of a process that had not exited yet. The TUI showed
// "✓ Ran … exit 0" for a command the user had just stopped: the agent's
// Interrupt had taken the process list and was ending the process while
// the call, its context canceled, reported it. The command here takes a
// moment to exit after its SIGTERM, so that order is the one tested.
func TestInterruptedCallReportsKilled(t *testing.T) {
	t.Parallel()
	ex, _, _ := newUnified(t, 0)
	env, f := newEnv(t, protocol.ApprovalNever, fullAccess)
	started, terminating := make(chan struct{}), make(chan struct{})
	var once1, once2 sync.Once
	record := env.Emit
	env.Emit = func(m protocol.EventMsg) {
		record(m)
		if d, ok := m.(protocol.ExecOutputDelta); ok {
			if strings.Contains(string(d.Chunk), "started") {
				once1.Do(func() { close(started) })
			}
			if strings.Contains(string(d.Chunk), "terminating") {
				once2.Do(func() { close(terminating) })
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := "trap 'echo terminating; sleep 0.3; exit 0' TERM; echo started; sleep 60 & wait"
		_, err := ex.Handle(ctx, env, unifiedCall(t, ExecCommandName, map[string]any{"cmd": cmd, "yield_time_ms": 30000}))
		done <- err
	}()
	<-started
	go ex.Interrupt() // as the agent does on an interrupt
	<-terminating     // the process has its SIGTERM and is still running
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted call = %v, want context.Canceled", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var ends []protocol.ExecEnd
	for _, m := range f.events {
		if e, ok := m.(protocol.ExecEnd); ok {
			ends = append(ends, e)
		}
	}
	if len(ends) != 1 {
		t.Fatalf("%d ExecEnd events, want 1: %+v", len(ends), ends)
	}
	if ends[0].ExitCode != -1 || !strings.Contains(ends[0].AggregatedOutput, "started") {
		t.Errorf("ExecEnd = exit %d, output %q; want exit -1 (killed) with the output", ends[0].ExitCode, ends[0].AggregatedOutput)
	}
}
