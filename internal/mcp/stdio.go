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
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	stderr tailBuffer
	exited chan struct{} // closed when the process has exited and stderr is drained

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
		_ = cmd.Wait()
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
// SIGKILL, to its whole process group. It returns when it has exited.
func (p *stdioProcess) stop() {
	p.stopOnce.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(exitGrace):
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

// stderrTail returns the end of the process's stderr, waiting briefly for
// it to exit so that its last words are there.
func (p *stdioProcess) stderrTail() string {
	select {
	case <-p.exited:
	case <-time.After(500 * time.Millisecond):
	}
	return p.stderr.String()
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
