package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Defaults of the live processes exec_command starts.
const (
	// DefaultMaxProcesses is how many processes may live at once per
	// session; starting one more ends the oldest idle one.
	DefaultMaxProcesses = 8
	// liveRingCap bounds the output kept per process between two calls
	// (head + tail) and for ExecEnd.
	liveRingCap = 1 << 20
	// recentCap is the tail kept for listings (/ps).
	recentCap = 2 << 10
	// liveKillGrace is how long a group has between SIGTERM and SIGKILL.
	liveKillGrace = 2 * time.Second
	// liveDrain bounds the wait for output after the process exited.
	liveDrain = 500 * time.Millisecond
)

// Processes holds one session's live processes (exec_command's sessions):
// each in its own process group, confined as its command's policy says,
// with a bounded ring of output not yet returned to the model. It is safe
// for concurrent use. Close ends every process; the cli calls it when the
// session ends, and an interrupt of the turn ends them all too (EndAll).
type Processes struct {
	max int

	mu     sync.Mutex
	procs  map[int]*liveProc
	closed bool

	// emit is the session's emitter (Watch), through which processes report
	// their output and exit between calls; nil: only during calls.
	emitMu sync.RWMutex
	emit   func(protocol.EventMsg)
}

// Watch implements tools.Watcher: from now on processes report output
// deltas and their ExecEnd as they happen, between calls and turns too,
// until stop.
func (m *Processes) Watch(emit func(protocol.EventMsg)) (stop func()) {
	m.emitMu.Lock()
	m.emit = emit
	m.emitMu.Unlock()
	return func() {
		m.emitMu.Lock()
		m.emit = nil
		m.emitMu.Unlock()
	}
}

// sessionEmit emits msg on the session's emitter and reports whether there
// is one.
func (m *Processes) sessionEmit(msg protocol.EventMsg) bool {
	m.emitMu.RLock()
	defer m.emitMu.RUnlock()
	if m.emit == nil {
		return false
	}
	m.emit(msg)
	return true
}

// NewProcesses returns an empty set that keeps at most max processes alive
// (DefaultMaxProcesses when max <= 0).
func NewProcesses(max int) *Processes {
	if max <= 0 {
		max = DefaultMaxProcesses
	}
	return &Processes{max: max, procs: map[int]*liveProc{}}
}

// ProcessInfo describes a live process for a listing.
type ProcessInfo struct {
	ID      int
	Command []string
	Started time.Time
	// Recent is the tail of its output (valid UTF-8).
	Recent string
	Exited bool
}

// List returns the live processes, oldest first.
func (m *Processes) List() []ProcessInfo {
	m.mu.Lock()
	ps := make([]*liveProc, 0, len(m.procs))
	for _, p := range m.procs {
		ps = append(ps, p)
	}
	m.mu.Unlock()
	sort.Slice(ps, func(i, j int) bool { return ps[i].started.Before(ps[j].started) })
	out := make([]ProcessInfo, len(ps))
	for i, p := range ps {
		p.mu.Lock()
		out[i] = ProcessInfo{ID: p.id, Command: p.argv, Started: p.started, Recent: validUTF8(p.recent)}
		p.mu.Unlock()
		select {
		case <-p.exited:
			out[i].Exited = true
		default:
		}
	}
	return out
}

// End ends the process with id and forgets it; it reports whether there was
// one.
func (m *Processes) End(id int) bool {
	m.mu.Lock()
	p := m.procs[id]
	delete(m.procs, id)
	m.mu.Unlock()
	if p == nil {
		return false
	}
	p.end()
	return true
}

// EndAll ends every live process and waits for them (the user interrupted
// the turn). New processes may be started afterwards.
func (m *Processes) EndAll() {
	m.mu.Lock()
	ps := m.procs
	m.procs = map[int]*liveProc{}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.end()
		}()
	}
	wg.Wait()
}

// Close ends every live process and refuses new ones (the session ended).
func (m *Processes) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.EndAll()
}

var errClosed = errors.New("the session has ended")

// add registers p under a fresh random id (as Codex's, so that an id from
// an earlier run of a resumed session is unlikely to name a new process).
// At the limit, the oldest idle process is ended and returned.
func (m *Processes) add(p *liveProc) (*liveProc, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, errClosed
	}
	for {
		id := 1000 + rand.IntN(99000)
		if _, used := m.procs[id]; !used {
			p.id = id
			break
		}
	}
	var evicted *liveProc
	if len(m.procs) >= m.max {
		for _, q := range m.procs {
			if evicted == nil || q.idleSince().Before(evicted.idleSince()) {
				evicted = q
			}
		}
		delete(m.procs, evicted.id)
	}
	m.procs[p.id] = p
	m.mu.Unlock()
	if evicted != nil {
		evicted.end()
	}
	return evicted, nil
}

func (m *Processes) get(id int) *liveProc {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.procs[id]
}

func (m *Processes) forget(p *liveProc) {
	m.mu.Lock()
	if m.procs[p.id] == p {
		delete(m.procs, p.id)
	}
	m.mu.Unlock()
}

// liveProc is one process started by exec_command.
type liveProc struct {
	procs     *Processes
	id        int
	callID    string
	argv      []string
	cwd       string
	mechanism string
	sandboxed bool
	started   time.Time
	cmd       *exec.Cmd
	// stdin is the terminal's master (tty) or nil: a process on pipes reads
	// /dev/null, as Codex's does.
	stdin  io.Writer
	master *os.File // the terminal or the output pipe, read until EOF

	mu       sync.Mutex
	pending  ring   // output not yet returned to the model
	all      ring   // everything, capped head+tail, for ExecEnd
	recent   []byte // the last recentCap bytes
	lastUse  time.Time
	emit     func(protocol.EventMsg) // the Emit of the call now holding p, or nil
	reported bool                    // ExecEnd sent

	readDone chan struct{}
	exited   chan struct{} // closed once waited for and drained
	exitCode int
	signal   string
	duration time.Duration
	ending   sync.Once
}

func (p *liveProc) idleSince() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastUse
}

// startLive starts cmd with a terminal (tty) or a pipe for its output, in
// its own process group. Nothing is read or reported before run.
func startLive(cmd *exec.Cmd, tty bool) (*liveProc, error) {
	p := &liveProc{
		cmd:      cmd,
		started:  time.Now(),
		pending:  newRing(liveRingCap),
		all:      newRing(liveRingCap),
		readDone: make(chan struct{}),
		exited:   make(chan struct{}),
	}
	p.lastUse = p.started
	var childEnd *os.File
	if tty {
		master, slave, err := openPTY()
		if err != nil {
			return nil, fmt.Errorf("opening a terminal: %w", err)
		}
		p.master, p.stdin, childEnd = master, master, slave
		cmd.Stdin = slave
	} else {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("creating the output pipe: %w", err)
		}
		p.master, childEnd = r, w
	}
	cmd.Stdout, cmd.Stderr = childEnd, childEnd
	proc.SetProcessGroup(cmd)
	dieWithParent(cmd)
	err := cmd.Start()
	_ = childEnd.Close() // the child has its copies
	if err != nil {
		_ = p.master.Close()
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return p, nil
}

// run starts reading the output and waiting for the exit.
func (p *liveProc) run() {
	go p.read()
	go p.wait()
}

func (p *liveProc) read() {
	defer close(p.readDone)
	buf := make([]byte, 8<<10)
	for {
		n, err := p.master.Read(buf)
		if n > 0 {
			p.add(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

func (p *liveProc) add(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending.add(b)
	p.all.add(b)
	p.recent = append(p.recent, b...)
	if len(p.recent) > 2*recentCap {
		p.recent = append(p.recent[:0], p.recent[len(p.recent)-recentCap:]...)
	}
	delta := protocol.ExecOutputDelta{CallID: p.callID, Stream: proc.Stdout, Chunk: append([]byte(nil), b...)}
	if !p.procs.sessionEmit(delta) && p.emit != nil {
		p.emit(delta)
	}
}

// wait reaps the process, kills what it left in its group, drains the
// output and records how it ended.
func (p *liveProc) wait() {
	_ = p.cmd.Wait()
	p.duration = time.Since(p.started)
	_ = proc.KillGroup(p.cmd.Process) // what it left behind
	proc.GroupGone(p.cmd.Process, liveDrain)
	t := time.NewTimer(liveDrain)
	select {
	case <-p.readDone:
	case <-t.C:
		_ = p.master.SetReadDeadline(time.Now())
		select {
		case <-p.readDone:
		case <-time.After(liveDrain):
		}
	}
	t.Stop()
	_ = p.master.Close()
	p.exitCode = -1
	if st := p.cmd.ProcessState; st != nil {
		p.exitCode = st.ExitCode()
		p.signal = proc.SignalName(st)
	}
	close(p.exited)
	// Reported now when the session listens between calls; else by the
	// call that sees the exit.
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reported {
		p.reported = p.procs.sessionEmit(p.endLocked(p.deniedLocked()))
	}
}

// end stops the process group (SIGTERM, SIGKILL after a grace period) and
// waits until it has exited.
func (p *liveProc) end() {
	p.ending.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = proc.TerminateGroup(p.cmd.Process)
		t := time.NewTimer(liveKillGrace)
		defer t.Stop()
		select {
		case <-p.exited:
		case <-t.C:
			_ = proc.KillGroup(p.cmd.Process)
			<-p.exited
		}
	})
	<-p.exited
}

// hasExited reports whether the process has exited (and its exit code is
// known).
func (p *liveProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// write sends chars to the process's terminal.
func (p *liveProc) write(chars string) error {
	if p.stdin == nil {
		return errors.New("stdin is closed for this session; rerun exec_command with tty=true to keep stdin open")
	}
	select {
	case <-p.exited:
		return nil // the answer says it exited
	default:
	}
	_, err := io.WriteString(p.stdin, chars)
	return err
}

// collect waits until the process exits or yield passes (or ctx ends) and
// returns the output that arrived since the last collect, whether it has
// exited, and ctx's error if ctx ended first.
func (p *liveProc) collect(ctx context.Context, yield time.Duration) (string, bool, error) {
	t := time.NewTimer(yield)
	defer t.Stop()
	var err error
	exited := false
	select {
	case <-p.exited:
		exited = true
	case <-t.C:
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastUse = time.Now()
	return dropProfileNoise(p.argv, p.pending.take()), exited, err
}

// hold binds p's output deltas to a call's Emit until release.
func (p *liveProc) hold(emit func(protocol.EventMsg)) {
	p.mu.Lock()
	p.emit = emit
	p.mu.Unlock()
}

func (p *liveProc) release() { p.hold(nil) }

// endEvent returns the ExecEnd of an exited process, once.
func (p *liveProc) endEvent() (protocol.ExecEnd, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reported {
		return protocol.ExecEnd{}, false
	}
	p.reported = true
	return p.endLocked(p.deniedLocked()), true
}

// denied guesses whether the sandbox stopped the exited process.
func (p *liveProc) denied() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deniedLocked()
}

// deniedLocked is denied with p.mu held.
func (p *liveProc) deniedLocked() bool {
	return p.sandboxed && !strings.HasPrefix(p.mechanism, "none") && p.exitCode != 0 &&
		proc.LikelySandboxDenied(p.exitCode, p.signal, dropProfileNoise(p.argv, p.all.peek()))
}

// endLocked is the process's ExecEnd; p.mu is held.
func (p *liveProc) endLocked(denied bool) protocol.ExecEnd {
	return protocol.ExecEnd{
		CallID:           p.callID,
		Command:          p.argv,
		ExitCode:         p.exitCode,
		Duration:         protocol.Duration(p.duration),
		AggregatedOutput: dropProfileNoise(p.argv, p.all.peek()),
		SandboxDenied:    denied,
	}
}

// ring keeps the head and the tail of a byte stream, up to cap bytes in
// all, and counts what it drops between them.
type ring struct {
	cap      int
	head     []byte
	tail     []byte // trimmed to cap/2 lazily
	dropped  int64
	dropLine int64
}

func newRing(cap int) ring { return ring{cap: cap} }

func (r *ring) add(b []byte) {
	if room := r.cap/2 - len(r.head); room > 0 {
		n := min(room, len(b))
		r.head = append(r.head, b[:n]...)
		b = b[n:]
	}
	r.tail = append(r.tail, b...)
	if keep := r.cap - r.cap/2; len(r.tail) > 2*keep {
		cut := r.tail[:len(r.tail)-keep]
		r.dropped += int64(len(cut))
		r.dropLine += int64(countNL(cut))
		r.tail = append(r.tail[:0], r.tail[len(cut):]...)
	}
}

func (r *ring) peek() string {
	tail := r.tail
	dropped, lines := r.dropped, r.dropLine
	if keep := r.cap - r.cap/2; len(tail) > keep {
		dropped += int64(len(tail) - keep)
		lines += int64(countNL(tail[:len(tail)-keep]))
		tail = tail[len(tail)-keep:]
	}
	if dropped == 0 {
		return validUTF8(append(append([]byte(nil), r.head...), tail...))
	}
	return validUTF8(r.head) + proc.OmittedMarker(dropped, lines) + validUTF8(tail)
}

// take returns what the ring holds and empties it.
func (r *ring) take() string {
	s := r.peek()
	r.head, r.tail, r.dropped, r.dropLine = r.head[:0], r.tail[:0], 0, 0
	return s
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func validUTF8(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
