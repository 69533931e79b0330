package sandbox

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/proc"
)

// How a session shares one network namespace. A namespace can only be
// joined with privileges over the user namespace that owns it, and the
// helper of each command starts in a user namespace of its own, so the
// commands cannot join a shared one themselves. Instead one *holder*
// process per session owns a user + network namespace (its loopback up)
// and starts each command's helper itself, in user, mount and PID
// namespaces nested in its own: the helpers then share the holder's
// network. The caller still gets an ordinary *exec.Cmd: a *relay* (kodex
// again, unconfined, no namespaces) that hands its stdin, stdout and stderr
// and the helper's arguments to the holder over a Unix socket
// (SCM_RIGHTS), forwards the termination signals it receives, and exits
// with the helper's status. When the relay dies, the holder kills its
// helper; when kodex dies, the relay and the holder die with it
// (parent-death signals) and the helper's PID namespace with them.
//
// The holder listens on a socket in a private directory (mode 0700); a
// sandboxed command cannot reach it: seccomp refuses AF_UNIX socket(2) at
// the namespace level, the only level that has a holder.

// netHolder is a started holder.
type netHolder struct {
	cmd  *exec.Cmd
	dir  string // holds the socket
	sock string
}

// relayFor returns the socket of the session's holder, starting it on
// first use.
func (n *NetNS) relayFor(self string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", errors.New("the session's network namespace was closed")
	}
	if n.h == nil && n.err == nil {
		n.h, n.err = startHolder(self)
	}
	if n.err != nil {
		return "", n.err
	}
	return n.h.sock, nil
}

func startHolder(self string) (*netHolder, error) {
	dir, err := os.MkdirTemp("", "kodex-netns-")
	if err != nil {
		return nil, fmt.Errorf("making the holder's directory: %w", err)
	}
	sock := filepath.Join(dir, "s")
	cmd := exec.Command(self, HelperArg, "netns", sock)
	cmd.Env = []string{}
	attr := nsAttr(false)
	attr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET
	cmd.SysProcAttr = attr
	out, err := cmd.StdoutPipe()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the holder: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the holder: %s", strings.TrimSpace(stderr.String()+" "+line))
	}
	return &netHolder{cmd: cmd, dir: dir, sock: sock}, nil
}

// close ends the holder: SIGTERM has it kill every helper and wait for
// them (a helper's PID namespace is empty once it has been reaped), so that
// nothing of the session runs when close returns; SIGKILL if it does not
// exit in time (the helpers then die of their parent-death signal).
func (h *netHolder) close() {
	_ = h.cmd.Process.Signal(unix.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = h.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(holderGrace):
		_ = h.cmd.Process.Kill()
		<-done
	}
	_ = os.RemoveAll(h.dir)
}

// holderGrace bounds how long closing a holder waits for its helpers.
const holderGrace = 3 * time.Second

// helpers are the holder's running helpers.
type helpers struct {
	mu     sync.Mutex
	cmds   map[*exec.Cmd]bool
	wg     sync.WaitGroup
	ending bool
}

// add registers a started helper; false when the holder is ending (the
// helper is then killed by the caller).
func (hs *helpers) add(c *exec.Cmd) bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.ending {
		return false
	}
	hs.cmds[c] = true
	hs.wg.Add(1)
	return true
}

func (hs *helpers) done(c *exec.Cmd) {
	hs.mu.Lock()
	delete(hs.cmds, c)
	hs.mu.Unlock()
	hs.wg.Done()
}

// endAll kills every helper and waits until all are reaped.
func (hs *helpers) endAll() {
	hs.mu.Lock()
	hs.ending = true
	for c := range hs.cmds {
		_ = c.Process.Kill()
	}
	hs.mu.Unlock()
	hs.wg.Wait()
}

// relayRequest is what the relay sends after its stdio fds.
type relayRequest struct {
	Args []string `json:"args"` // the helper's arguments (run <spec> -- argv…)
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// holderMain is the holder: it brings up the loopback of its network
// namespace, listens on sock, says "ready" and serves relays until killed.
func holderMain(sock string) int {
	if err := loopbackUp(); err != nil {
		return helperFail("bringing up the shared loopback: %v", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return helperFail("listening: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return helperFail("finding the helper binary: %v", err)
	}
	hs := &helpers{cmds: map[*exec.Cmd]bool{}}
	term := make(chan os.Signal, 1)
	signal.Notify(term, unix.SIGTERM)
	go func() {
		<-term
		hs.endAll()
		os.Exit(0)
	}()
	fmt.Println("ready")
	_ = os.Stdout.Close()
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			return helperFail("accepting: %v", err)
		}
		go serveRelay(self, c, hs)
	}
}

// serveRelay starts one helper for a relay and reports its status.
func serveRelay(self string, c *net.UnixConn, hs *helpers) {
	defer func() { _ = c.Close() }()
	files, req, err := readRelayRequest(c)
	if err != nil {
		fmtStderr("reading a relay's request: %v", err)
		return
	}
	cmd := exec.Command(self, append([]string{HelperArg}, req.Args...)...)
	cmd.Env, cmd.Dir = req.Env, req.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = files[0], files[1], files[2]
	cmd.SysProcAttr = nsAttr(true) // the holder's network, nothing else of it
	err = cmd.Start()
	status := make([]byte, 4)
	if err != nil {
		fmt.Fprintf(files[2], StderrPrefix+"starting the helper in the session's network namespace: %v\n", err)
		binary.BigEndian.PutUint32(status, ExitHelperError)
	}
	for _, f := range files {
		_ = f.Close()
	}
	if err != nil {
		_, _ = c.Write(status)
		return
	}
	if !hs.add(cmd) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return
	}
	defer hs.done(cmd)
	exited := make(chan struct{})
	go func() { // signals from the relay; its end kills the helper
		b := make([]byte, 1)
		for {
			if _, err := c.Read(b); err != nil {
				_ = cmd.Process.Kill()
				return
			}
			// The helper, init of its PID namespace, would not get a
			// signal it does not catch yet (just started).
			proc.AwaitSignalable(cmd.Process.Pid, syscall.Signal(b[0]), exited)
			_ = cmd.Process.Signal(unix.Signal(b[0]))
		}
	}()
	_ = cmd.Wait()
	close(exited)
	code := ExitHelperError
	if st := cmd.ProcessState; st != nil {
		code = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	binary.BigEndian.PutUint32(status, uint32(code))
	_, _ = c.Write(status)
}

// readRelayRequest reads the 3 stdio fds (with the request's length) and
// the request.
func readRelayRequest(c *net.UnixConn) ([]*os.File, relayRequest, error) {
	var req relayRequest
	hdr := make([]byte, 4)
	oob := make([]byte, unix.CmsgSpace(3*4))
	n, oobn, _, _, err := c.ReadMsgUnix(hdr, oob)
	if err != nil {
		return nil, req, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, req, fmt.Errorf("reading the file descriptors: %w", err)
	}
	if len(msgs) != 1 {
		return nil, req, errors.New("no file descriptors received")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 3 {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
		return nil, req, fmt.Errorf("want 3 file descriptors, got %d", len(fds))
	}
	files := []*os.File{os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "stdout"), os.NewFile(uintptr(fds[2]), "stderr")}
	fail := func(err error) ([]*os.File, relayRequest, error) {
		for _, f := range files {
			_ = f.Close()
		}
		return nil, req, err
	}
	if _, err := io.ReadFull(c, hdr[n:]); err != nil {
		return fail(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr))
	if _, err := io.ReadFull(c, body); err != nil {
		return fail(err)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(err)
	}
	return files, req, nil
}

// relayMain is the relay: args are the holder's socket and the helper's
// arguments.
func relayMain(args []string) int {
	if len(args) < 2 {
		return helperFail("usage: %s relay <socket> run <policy> -- command [args...]", HelperArg)
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: args[0], Net: "unix"})
	if err != nil {
		return helperFail("reaching the session's network namespace: %v", err)
	}
	defer func() { _ = c.Close() }()
	dir, _ := os.Getwd()
	body, err := json.Marshal(relayRequest{Args: args[1:], Env: os.Environ(), Dir: dir})
	if err != nil {
		return helperFail("encoding the request: %v", err)
	}
	hdr := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if _, _, err := c.WriteMsgUnix(hdr, unix.UnixRights(0, 1, 2), nil); err != nil {
		return helperFail("handing over the command: %v", err)
	}
	if _, err := c.Write(body); err != nil {
		return helperFail("handing over the command: %v", err)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT)
	go func() {
		for s := range sigs {
			_, _ = c.Write([]byte{byte(s.(unix.Signal))})
		}
	}()
	status := make([]byte, 4)
	if _, err := io.ReadFull(c, status); err != nil {
		return helperFail("lost the session's network namespace: %v", err)
	}
	return int(binary.BigEndian.Uint32(status))
}
