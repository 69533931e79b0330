package sandbox

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestSharedNetNS: commands given the same NetNS share one private
// loopback (a server started by one is reached by the next), a command of
// another session cannot reach it, and Close ends what still runs there.
func TestSharedNetNS(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed: ", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pol := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{dir}}
	req := func(ns *NetNS, argv ...string) Request {
		return Request{Argv: argv, Cwd: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Policy: pol, Self: self, NetNS: ns}
	}
	if _, info, err := Command(context.Background(), req(nil, "true")); err != nil || info.Mechanism != MechNamespaces {
		t.Fatalf("this test needs the namespace level: %v %+v", err, info)
	}
	ns := NewNetNS()
	defer ns.Close()

	// The server prints its port once it listens, then serves until killed.
	server, _, err := Command(context.Background(), req(ns, "python3", "-u", "-c", `
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"pong"); c.close()
`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the server did not say its port: %v", err)
	}
	port = strings.TrimSpace(port)
	client := `
import socket, sys
try:
    print(socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).recv(4).decode())
except OSError as e:
    print("refused:", e)
`
	fetch := func(ns *NetNS) string {
		cmd, _, err := Command(context.Background(), req(ns, "python3", "-c", client, port))
		if err != nil {
			t.Fatal(err)
		}
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("client: %v\n%s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	if got := fetch(ns); got != "pong" {
		t.Errorf("a command of the same session got %q, want pong", got)
	}
	other := NewNetNS()
	defer other.Close()
	if got := fetch(other); !strings.HasPrefix(got, "refused:") {
		t.Errorf("a command of another session got %q, want refused", got)
	}
	if got := fetch(nil); !strings.HasPrefix(got, "refused:") {
		t.Errorf("a command with a namespace of its own got %q, want refused", got)
	}

	// Closing the namespace ends the server, whose relay then reports the
	// loss; nothing of it survives.
	ns.Close()
	err = server.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("server after Close: %v, want it ended", err)
	}
	if err := syscall.Kill(-server.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the server's group survives Close: %v", err)
	}
}
