package mcp

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/proc"
)

// How long a stdio server has to exit after its stdin is closed, and after
// SIGTERM, before its process group is killed.
const (
	exitGrace = 2 * time.Second
	termGrace = time.Second
)

// stderrTailBytes is how much of a server's stderr is kept for its failure
// report.
const stderrTailBytes = 4 << 10

// stdioProcess is a running stdio server: its own process group, its
// stdin and stdout as the connection, the tail of its stderr kept.
type stdioProcess struct {
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	stderr  tailBuffer
	exited  chan struct{} // closed when the process has exited and stderr is drained
	waitErr error         // how it exited; read after exited is closed

	stopOnce sync.Once
}

func startStdio(cfg ServerConfig) (*stdioProcess, error) {
	cmd := exec.Command(cfg.Command, cfg.Args...)
	cmd.Env = cfg.Env
	if cmd.Env == nil {
		cmd.Env = []string{} // never the parent's environment by accident
	}
	cmd.Dir = cfg.Cwd
	proc.SetProcessGroup(cmd)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, err
	}
	p := &stdioProcess{cmd: cmd, stdin: inW, stdout: outR, exited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, &p.stderr
	if err := cmd.Start(); err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, fmt.Errorf("starting %s: %w", cfg.Command, err)
	}
	closeAll(inR, outW) // the child's ends
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// transport is the connection over the process's stdin and stdout.
// Closing it closes stdin (the spec's first step of a stdio shutdown); the
// rest is stop's.
func (p *stdioProcess) transport() sdk.Transport {
	return &sdk.IOTransport{Reader: p.stdout, Writer: p.stdin}
}

// stop ends the process as the spec says: stdin closed, then SIGTERM, then
// SIGKILL, to its whole process group. It returns when it has exited. A
// server that failed to start gets no grace before SIGTERM.
func (p *stdioProcess) stop(grace time.Duration) {
	p.stopOnce.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(grace):
			_ = proc.TerminateGroup(p.cmd.Process)
			select {
			case <-p.exited:
			case <-time.After(termGrace):
				_ = proc.KillGroup(p.cmd.Process)
				<-p.exited
			}
		}
		_ = proc.KillGroup(p.cmd.Process) // whatever the server left behind
		_ = p.stdout.Close()
	})
	<-p.exited
}

// failure describes a start-up failure: when the process has exited (it
// is given a moment to, so that its last words are in stderr), how it
// exited, and the tail of its stderr.
func (p *stdioProcess) failure(err error) (stderr string, _ error) {
	if status, ok := p.exitStatus(); ok {
		err = fmt.Errorf("the server exited during start-up (%s)", status)
	}
	return p.stderr.String(), err
}

// exitStatus says how the process exited, giving it a moment to: a
// connection that broke is usually a process that is exiting.
func (p *stdioProcess) exitStatus() (string, bool) {
	select {
	case <-p.exited:
	case <-time.After(500 * time.Millisecond):
		return "", false
	}
	if p.waitErr != nil {
		return p.waitErr.Error(), true
	}
	return "exit status 0", true
}

// tailBuffer keeps the last stderrTailBytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	cut bool
}

var _ io.Writer = (*tailBuffer)(nil)

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - stderrTailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.cut = true
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.ToValidUTF8(string(t.buf), "\uFFFD")
	if t.cut {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		s = "…\n" + s
	}
	return s
}
