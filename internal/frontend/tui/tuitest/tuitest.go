// Package tuitest runs a program in a pseudo-terminal and reads its screen
// through an in-process terminal emulator (github.com/charmbracelet/x/vt),
// for end-to-end tests of kodex's terminal UI: type, press keys, paste, and
// wait until the screen (or the scrollback) shows something.
//
// Waiting never sleeps: every chunk of output the program writes wakes the
// waiters, which re-check their condition until a deadline. The package is
// for tests only and must not be imported by the product.
package tuitest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

// Terminal is a program running in a pseudo-terminal of a fixed size.
type Terminal struct {
	cmd *exec.Cmd
	pty *os.File

	mu      sync.Mutex
	emu     *vt.Emulator
	raw     []byte        // the program's output as written, its last maxRaw bytes
	changed chan struct{} // closed and replaced on every output chunk
	exited  bool
	waitErr error
	done    chan struct{}
}

// Start runs cmd in a width×height pseudo-terminal. Call Close when done.
func Start(cmd *exec.Cmd, width, height int) (*Terminal, error) {
	return StartWith(cmd, width, height, Options{})
}

// Options change how the terminal behaves.
type Options struct {
	// CodePoints makes the terminal measure text by code point, as xterm,
	// tmux and most terminals do, instead of by grapheme cluster: it does
	// not report grapheme cluster support (mode 2027), so the program
	// never turns it on.
	CodePoints bool
}

// StartWith runs cmd in a width×height pseudo-terminal with opts.
func StartWith(cmd *exec.Cmd, width, height int, opts Options) (*Terminal, error) {
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(width), Rows: uint16(height)})
	if err != nil {
		return nil, fmt.Errorf("starting %s in a pty: %w", cmd.Path, err)
	}
	emu := vt.NewEmulator(width, height)
	emu.SetScrollbackSize(10000)
	t := &Terminal{cmd: cmd, pty: f, emu: emu, changed: make(chan struct{}), done: make(chan struct{})}
	go t.readOutput()
	go t.answerQueries(opts.CodePoints)
	return t, nil
}

// readOutput feeds the program's output to the emulator and wakes waiters.
func (t *Terminal) readOutput() {
	buf := make([]byte, 32<<10)
	for {
		n, err := t.pty.Read(buf)
		t.mu.Lock()
		if n > 0 {
			_, _ = t.emu.Write(buf[:n])
			t.raw = append(t.raw, buf[:n]...)
			if len(t.raw) > maxRaw {
				t.raw = append(t.raw[:0], t.raw[len(t.raw)-maxRaw:]...)
			}
		}
		if err != nil {
			t.exited = true
		}
		close(t.changed)
		t.changed = make(chan struct{})
		t.mu.Unlock()
		if err != nil {
			t.waitErr = t.cmd.Wait()
			close(t.done)
			return
		}
	}
}

// answerQueries sends the emulator's replies (cursor position, device
// attributes, …) back to the program, as a real terminal would; with
// codePoints, it holds back the report of mode 2027 (each reply is one
// read).
func (t *Terminal) answerQueries(codePoints bool) {
	if !codePoints {
		_, _ = io.Copy(t.pty, t.emu)
		return
	}
	buf := make([]byte, 4096)
	for {
		n, err := t.emu.Read(buf)
		if n > 0 {
			out := string(buf[:n])
			if i := strings.Index(out, "\x1b[?2027;"); i >= 0 {
				if j := strings.Index(out[i:], "$y"); j >= 0 {
					out = out[:i] + out[i+j+2:]
				}
			}
			if _, werr := io.WriteString(t.pty, out); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// maxRaw bounds the raw output kept for Raw.
const maxRaw = 4 << 20

// Raw returns the program's output as it wrote it, escape sequences and
// all (the last 4 MiB): for what the screen does not show, such as
// notification or mode sequences.
func (t *Terminal) Raw() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.raw)
}

// WaitForRaw waits until the raw output contains s.
func (t *Terminal) WaitForRaw(timeout time.Duration, s string) error {
	_, err := t.WaitFor(timeout, func(string) bool { return strings.Contains(t.Raw(), s) })
	return err
}

// Screen returns the visible screen as text, trailing spaces trimmed.
func (t *Terminal) Screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screenLocked()
}

func (t *Terminal) screenLocked() string {
	lines := strings.Split(t.emu.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// All returns the scrollback followed by the visible screen.
func (t *Terminal) All() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	if sb := t.emu.Scrollback(); sb != nil {
		for _, l := range sb.Lines() {
			b.WriteString(strings.TrimRight(l.String(), " "))
			b.WriteByte('\n')
		}
	}
	b.WriteString(t.screenLocked())
	return b.String()
}

// WaitFor waits until cond holds for the scrollback plus screen (see All),
// returning that text; on timeout the error includes the screen.
func (t *Terminal) WaitFor(timeout time.Duration, cond func(all string) bool) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		ch, exited := t.changed, t.exited
		t.mu.Unlock()
		all := t.All()
		if cond(all) {
			return all, nil
		}
		if exited {
			return all, fmt.Errorf("program exited; screen:\n%s", t.Screen())
		}
		select {
		case <-ch:
		case <-deadline.C:
			return all, fmt.Errorf("timed out after %v; screen:\n%s", timeout, t.Screen())
		}
	}
}

// WaitForText waits until the scrollback or screen contains s.
func (t *Terminal) WaitForText(timeout time.Duration, s string) (string, error) {
	return t.WaitFor(timeout, func(all string) bool { return strings.Contains(all, s) })
}

// Type sends text as typed keys.
func (t *Terminal) Type(s string) error {
	_, err := io.WriteString(t.pty, s)
	return err
}

// keys maps key names to what a terminal sends for them.
var keys = map[string]string{
	"enter": "\r", "esc": "\x1b", "tab": "\t", "backspace": "\x7f", "space": " ",
	"up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
	"pgup": "\x1b[5~", "pgdown": "\x1b[6~", "home": "\x1b[H", "end": "\x1b[F",
	"ctrl+c": "\x03", "ctrl+d": "\x04", "ctrl+j": "\n", "ctrl+u": "\x15", "ctrl+a": "\x01", "ctrl+e": "\x05", "ctrl+g": "\x07", "ctrl+r": "\x12",
	"shift+enter": "\x1b[13;2u",
}

// Press sends named keys: enter, esc, tab, backspace, space, up, down,
// left, right, pgup, pgdown, home, end, ctrl+c, ctrl+d, ctrl+j, ctrl+u,
// ctrl+a, ctrl+e, ctrl+g, ctrl+r, shift+enter (kitty protocol encoding).
func (t *Terminal) Press(names ...string) error {
	for _, n := range names {
		seq, ok := keys[n]
		if !ok {
			return fmt.Errorf("tuitest: unknown key %q", n)
		}
		if err := t.Type(seq); err != nil {
			return err
		}
	}
	return nil
}

// Paste sends text as a bracketed paste.
func (t *Terminal) Paste(s string) error {
	return t.Type("\x1b[200~" + s + "\x1b[201~")
}

// Wait waits for the program to exit, up to timeout.
func (t *Terminal) Wait(timeout time.Duration) error {
	select {
	case <-t.done:
		return t.waitErr
	case <-time.After(timeout):
		return errors.New("tuitest: program did not exit")
	}
}

// Close kills the program if it still runs and releases the terminal.
func (t *Terminal) Close() error {
	select {
	case <-t.done:
	default:
		if t.cmd.Process != nil {
			_ = t.cmd.Process.Kill()
		}
		<-t.done
	}
	// The emulator is not closed: its reply pipe's reader would race with
	// Close. The reply goroutine ends when the test binary exits.
	return t.pty.Close()
}
