package cli

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdMCPHTTP starts @modelcontextprotocol/server-everything over streamable
// HTTP on a free local port, for the rest of the script, and sets
// $MCP_HTTP_URL once it says it listens: mcphttp
func cmdMCPHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 || neg {
		ts.Fatalf("usage: mcphttp")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	node, err := exec.LookPath("node")
	if err != nil {
		ts.Fatalf("node is not installed: run scripts/test-deps.sh")
	}
	cmd := exec.Command(node, filepath.Join(ts.Getenv("MCP_SERVERS"), "server-everything/dist/index.js"), "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	stderr, err := cmd.StderrPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	ts.Defer(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on port") {
			go func() {
				for sc.Scan() { // keep draining so the server never blocks
				}
			}()
			ts.Setenv("MCP_HTTP_URL", fmt.Sprintf("http://127.0.0.1:%d/mcp", port))
			return
		}
	}
	ts.Fatalf("the MCP HTTP server did not start: %v", sc.Err())
}
