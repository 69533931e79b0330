// Package proc is kodex's process plumbing for a prepared *exec.Cmd: it
// builds a child's environment from a policy (BuildEnv), runs the command in
// its own process group, streams its output in bounded chunks while keeping a
// capped head+tail copy, enforces timeouts and cancellation by signalling the
// whole group, and reports how the command ended (Run). It also holds the
// model-facing truncation (Truncate) and the guess whether a failure was the
// sandbox's doing (LikelySandboxDenied).
//
// It decides nothing about policy: approval and sandboxing happen before the
// command reaches Run (internal/approval, internal/sandbox). It depends on
// the standard library and golang.org/x/sys only.
//
// On Windows the "group" is the command alone (CREATE_NEW_PROCESS_GROUP; a
// job object would be needed to reach its children), and termination is
// immediate since there is no SIGTERM.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults for RunOptions.
const (
	DefaultOutputCap = 1 << 20 // aggregated output kept per command
	DefaultChunkSize = 8 << 10 // largest OnOutput chunk
	DefaultKillGrace = 2 * time.Second
	DefaultDrain     = 500 * time.Millisecond
)

// Stream names passed to OnOutput.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// RunOptions tune Run. The zero value is usable.
type RunOptions struct {
	// Timeout kills the command after this long; 0 means no timeout.
	Timeout time.Duration
	// KillGrace is how long the group has between SIGTERM and SIGKILL
	// (default DefaultKillGrace).
	KillGrace time.Duration
	// OutputCap bounds Result.Output: its first half and last half are kept
	// with an OmittedMarker between (default DefaultOutputCap).
	OutputCap int
	// ChunkSize bounds the chunks passed to OnOutput (default
	// DefaultChunkSize).
	ChunkSize int
	// Drain is how long Run keeps reading output after the command's group
	// was killed, for output still in flight or pipes held open by processes
	// that left the group (default DefaultDrain).
	Drain time.Duration
	// OnOutput, if set, receives the raw output as it arrives: stream is
	// Stdout or Stderr, and chunk is a fresh slice the callee may keep.
	// Calls are sequential, in arrival order, and none happens after Run
	// returns. A slow callback slows the command (back-pressure).
	OnOutput func(stream string, chunk []byte)
}

func (o RunOptions) withDefaults() RunOptions {
	if o.KillGrace <= 0 {
		o.KillGrace = DefaultKillGrace
	}
	if o.OutputCap <= 0 {
		o.OutputCap = DefaultOutputCap
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.Drain <= 0 {
		o.Drain = DefaultDrain
	}
	return o
}

// Result is how a command ended.
type Result struct {
	// ExitCode is the exit status, or -1 if the command was killed by a
	// signal (see Signal).
	ExitCode int
	// Signal names the signal that killed the command ("SIGKILL"), if any.
	Signal   string
	TimedOut bool
	Canceled bool // ctx ended before the command did
	Duration time.Duration
	// Output is stdout and stderr interleaved in arrival order, capped
	// head+tail, as valid UTF-8 (invalid bytes become U+FFFD).
	Output string
	// TotalBytes counts all output bytes, kept or not.
	TotalBytes int64
	// Truncated reports that Output omits some of them.
	Truncated bool
}

// Run starts cmd in a new process group, captures its output, and waits for
// it. The command is ended (SIGTERM to its group, then SIGKILL after
// KillGrace) when opts.Timeout passes or ctx ends, and its group is killed
// when it exits, so background children do not outlive it or hold its
// output open. cmd.Stdout and cmd.Stderr must be nil: Run owns them.
//
// A command that runs and fails is not an error: see Result. Run returns an
// error only when the command could not be started (the Result then has
// ExitCode -1).
func Run(ctx context.Context, cmd *exec.Cmd, opts RunOptions) (Result, error) {
	opts = opts.withDefaults()
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return Result{ExitCode: -1}, errors.New("proc: cmd.Stdout and cmd.Stderr must be nil")
	}
	if err := ctx.Err(); err != nil {
		return Result{ExitCode: -1, Canceled: true}, fmt.Errorf("not starting %s: %w", cmd.Path, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return Result{ExitCode: -1}, fmt.Errorf("creating stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(outR, outW)
		return Result{ExitCode: -1}, fmt.Errorf("creating stderr pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	setProcessGroup(cmd)
	if cmd.Cancel != nil {
		// Made by exec.CommandContext: SIGTERM the group (which includes
		// the leader a custom Cancel, like the sandbox's, would signal)
		// rather than SIGKILL only the leader.
		cmd.Cancel = func() error { return terminateGroup(cmd.Process) }
		cmd.WaitDelay = max(cmd.WaitDelay, opts.KillGrace)
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		closeAll(outR, outW, errR, errW)
		return Result{ExitCode: -1}, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	closeAll(outW, errW) // the child has its copies

	c := newCapture(opts)
	var readers sync.WaitGroup
	readers.Add(2)
	go c.read(Stdout, outR, &readers)
	go c.read(Stderr, errR, &readers)

	done := make(chan struct{})
	stopped := make(chan stopReason, 1)
	go watch(ctx, cmd.Process, opts, done, stopped)

	waitErr := cmd.Wait()
	close(done)
	reason := <-stopped
	_ = killGroup(cmd.Process) // background children left behind
	duration := time.Since(start)

	drain(&readers, opts.Drain, outR, errR)
	c.close()

	res := Result{
		ExitCode:   -1,
		TimedOut:   reason == stopTimeout,
		Canceled:   reason == stopCanceled || (reason == stopNone && ctx.Err() != nil),
		Duration:   duration,
		TotalBytes: c.total,
	}
	res.Output, res.Truncated = c.output()
	if st := cmd.ProcessState; st != nil {
		res.ExitCode = st.ExitCode()
		res.Signal = signalName(st)
	} else if waitErr != nil {
		return res, fmt.Errorf("waiting for %s: %w", cmd.Path, waitErr)
	}
	return res, nil
}

type stopReason int

const (
	stopNone stopReason = iota
	stopTimeout
	stopCanceled
)

// watch ends the command's group when the timeout passes or ctx ends
// (SIGTERM, sent again if the kernel dropped it, then SIGKILL after
// KillGrace), and reports why it did (stopNone if the command exited
// first). It returns once done is closed.
func watch(ctx context.Context, p *os.Process, opts RunOptions, done <-chan struct{}, stopped chan<- stopReason) {
	var timeout <-chan time.Time
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	reason := stopNone
	select {
	case <-done:
		stopped <- stopNone
		return
	case <-ctx.Done():
		reason = stopCanceled
	case <-timeout:
		reason = stopTimeout
	}
	lost := termLost(p) // asked before sending: see termLost
	_ = terminateGroup(p)
	grace := time.NewTimer(opts.KillGrace)
	defer grace.Stop()
	for wait := 50 * time.Microsecond; ; wait = min(2*wait, 5*time.Millisecond) {
		var retry <-chan time.Time // while the SIGTERM is lost: when to look again
		if lost {
			retry = time.After(wait)
		}
		select {
		case <-done:
			stopped <- reason
			return
		case <-retry:
			if lost = termLost(p); !lost {
				_ = terminateGroup(p) // it catches SIGTERM now: again
			}
		case <-grace.C:
			_ = killGroup(p)
			<-done
			stopped <- reason
			return
		}
	}
}

// drain waits up to d for the readers to reach EOF, then makes their reads
// fail (a deadline where the OS supports it, else closing the pipes) and
// waits for them once more, briefly. It closes the pipes. A reader stuck on
// an OS that can interrupt neither is abandoned, with its pipe closed in the
// background; the capture is closed afterwards so it cannot call back.
func drain(readers *sync.WaitGroup, d time.Duration, pipes ...*os.File) {
	finished := make(chan struct{})
	go func() {
		readers.Wait()
		close(finished)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-finished:
		closeAll(pipes...)
		return
	case <-t.C:
	}
	now := time.Now()
	for _, p := range pipes {
		if err := p.SetReadDeadline(now); err != nil {
			go func() { _ = p.Close() }() // may block until the read returns on some systems
		}
	}
	t.Reset(d)
	select {
	case <-finished:
		closeAll(pipes...)
	case <-t.C:
		go closeAll(pipes...)
	}
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// capture keeps the head and tail of the interleaved output and forwards
// chunks to the callback.
type capture struct {
	mu       sync.Mutex
	closed   bool
	onOutput func(string, []byte)
	chunk    int
	headCap  int
	tailCap  int
	head     []byte
	tail     []byte // the last bytes after head; trimmed to tailCap lazily
	total    int64
	lines    int64 // newlines in total
}

var nl = []byte{'\n'}

func newCapture(opts RunOptions) *capture {
	head := opts.OutputCap / 2
	return &capture{
		onOutput: opts.OnOutput,
		chunk:    opts.ChunkSize,
		headCap:  head,
		tailCap:  opts.OutputCap - head,
	}
}

func (c *capture) read(stream string, r io.Reader, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, c.chunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			c.add(stream, buf[:n])
		}
		if err != nil {
			return
		}
	}
}

func (c *capture) add(stream string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.total += int64(len(b))
	c.lines += int64(bytes.Count(b, nl))
	rest := b
	if room := c.headCap - len(c.head); room > 0 {
		n := min(room, len(rest))
		c.head = append(c.head, rest[:n]...)
		rest = rest[n:]
	}
	if len(rest) > 0 {
		c.tail = append(c.tail, rest...)
		if len(c.tail) > 2*c.tailCap+c.chunk {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-c.tailCap:]...)
		}
	}
	if c.onOutput != nil {
		c.onOutput(stream, append([]byte(nil), b...))
	}
}

// close stops further additions and callbacks.
func (c *capture) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// output returns the kept output as valid UTF-8, with a marker where bytes
// were dropped, and whether any were.
func (c *capture) output() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tail := c.tail
	if len(tail) > c.tailCap {
		tail = tail[len(tail)-c.tailCap:]
	}
	omitted := c.total - int64(len(c.head)) - int64(len(tail))
	if omitted == 0 {
		return validUTF8(append(append([]byte(nil), c.head...), tail...)), false
	}
	head := c.head[:completeRunesEnd(c.head)]
	skip := runeStartAfter(string(tail), 0)
	omitted += int64(len(c.head)-len(head)) + int64(skip)
	lines := c.lines - int64(bytes.Count(head, nl)) - int64(bytes.Count(tail[skip:], nl))
	marker := OmittedMarker(omitted, lines)
	return validUTF8(head) + marker + validUTF8(tail[skip:]), true
}

// completeRunesEnd returns len(b) minus a trailing incomplete rune, if any.
func completeRunesEnd(b []byte) int {
	for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax; k-- {
		if utf8.RuneStart(b[k]) {
			if !utf8.FullRune(b[k:]) {
				return k
			}
			break
		}
	}
	return len(b)
}

// SetProcessGroup makes cmd the leader of a new process group (unless it
// starts a new session, which is a group of its own), as Run does, for a
// caller that starts and waits for the command itself.
func SetProcessGroup(cmd *exec.Cmd) { setProcessGroup(cmd) }

// TerminateGroup asks the process group led by p to stop (SIGTERM; on
// Windows the process is killed).
func TerminateGroup(p *os.Process) error { return terminateGroup(p) }

// KillGroup kills the process group led by p (SIGKILL).
func KillGroup(p *os.Process) error { return killGroup(p) }

// GroupGone waits until every process of the group led by p, already
// killed, is gone (reaped), at most max, and reports whether it is: a
// signal is delivered asynchronously, so a killed group lingers for a
// moment after kill(2) returns.
func GroupGone(p *os.Process, max time.Duration) bool { return groupGone(p, max) }

// SignalName names the signal that ended a process, or "".
func SignalName(st *os.ProcessState) string { return signalName(st) }
