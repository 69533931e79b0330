package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// everything is the path of the pinned @modelcontextprotocol/server-everything
// (scripts/test-deps.sh installs it).
func everything(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the MCP test servers are not installed: run scripts/test-deps.sh (%v)", err)
	}
	return p
}

func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run scripts/test-deps.sh (%v)", err)
	}
	return p
}

func stdioEverything(t *testing.T, name string) ServerConfig {
	return ServerConfig{Name: name, Command: node(t), Args: []string{everything(t), "stdio"}, Env: os.Environ(), StartupTimeout: 20 * time.Second, ToolTimeout: 20 * time.Second}
}

// httpEverything starts the everything server over streamable HTTP and
// returns its URL once it says it listens.
func httpEverything(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node(t), everything(t), "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on port") {
			go func() {
				for sc.Scan() {
				}
			}()
			return fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
		}
	}
	t.Fatalf("the HTTP server did not start: %v", sc.Err())
	return ""
}

// recorder collects status events.
type recorder struct {
	mu  sync.Mutex
	evs []protocol.McpServerStatus
}

func (r *recorder) emit(m protocol.EventMsg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, m.(protocol.McpServerStatus))
}

func (r *recorder) states(server string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		// A ready server whose tools change reports ready again.
		if e.Server == server && (len(out) == 0 || out[len(out)-1] != e.State) {
			out = append(out, e.State)
		}
	}
	return out
}

func startManager(t *testing.T, servers ...ServerConfig) (*Manager, *recorder) {
	t.Helper()
	m := Start(Options{Servers: servers, Roots: []string{t.TempDir()}, ClientVersion: "test"})
	r := &recorder{}
	stop := m.Watch(r.emit)
	t.Cleanup(func() { stop(); m.Close() })
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, r
}

func toolNames(s Server) []string {
	var out []string
	for _, t := range s.Tools {
		out = append(out, t.Name)
	}
	return out
}

func text(t *testing.T, res *protocol.McpToolResult) string {
	t.Helper()
	var sb strings.Builder
	for _, c := range res.Content {
		var b struct{ Type, Text string }
		if err := json.Unmarshal(c, &b); err != nil {
			t.Fatal(err)
		}
		sb.WriteString(b.Text)
	}
	return sb.String()
}

func TestEverythingStdioAndHTTP(t *testing.T) {
	t.Parallel()
	httpCfg := ServerConfig{Name: "web", URL: httpEverything(t), Headers: map[string]string{"X-Test": "1"}, StartupTimeout: 20 * time.Second}
	m, rec := startManager(t, stdioEverything(t, "local"), httpCfg)
	for _, name := range []string{"local", "web"} {
		if diff := cmp.Diff([]string{protocol.McpStarting, protocol.McpReady}, rec.states(name)); diff != "" {
			t.Errorf("%s states (-want +got):\n%s", name, diff)
		}
	}
	for _, s := range m.Servers() {
		if s.State != protocol.McpReady || len(s.Tools) < 5 {
			t.Fatalf("%s: %+v", s.Config.Name, s)
		}
		ctx := context.Background()
		res, err := m.CallTool(ctx, s.Config.Name, "echo", "", json.RawMessage(`{"message":"hi"}`), nil)
		if err != nil || !strings.Contains(text(t, res), "hi") {
			t.Errorf("%s echo: %v %+v", s.Config.Name, err, res)
		}
		res, err = m.CallTool(ctx, s.Config.Name, "get-sum", "", json.RawMessage(`{"a":2,"b":3}`), nil)
		if err != nil || !strings.Contains(text(t, res), "5") {
			t.Errorf("%s get-sum: %v %+v", s.Config.Name, err, res)
		}
		var mu sync.Mutex
		var progress []protocol.McpToolCallProgress
		res, err = m.CallTool(ctx, s.Config.Name, "trigger-long-running-operation", "call-1", json.RawMessage(`{"duration":0.3,"steps":3}`), func(p protocol.McpToolCallProgress) {
			mu.Lock()
			progress = append(progress, p)
			mu.Unlock()
		})
		if err != nil || !strings.Contains(text(t, res), "completed") {
			t.Errorf("%s long-running: %v %+v", s.Config.Name, err, res)
		}
		mu.Lock()
		// A notification may be delivered after the result (the SDK
		// dispatches them on their own); those are dropped.
		if len(progress) == 0 || progress[0].Progress != 1 || progress[0].Total != 3 || progress[0].CallID != "call-1" {
			t.Errorf("%s progress = %+v", s.Config.Name, progress)
		}
		mu.Unlock()
		list, err := m.ListResources(ctx, s.Config.Name, "")
		if err != nil || len(list.Items) == 0 {
			t.Fatalf("%s resources: %v %+v", s.Config.Name, err, list)
		}
		var first struct{ URI string }
		_ = json.Unmarshal(list.Items[0], &first)
		contents, err := m.ReadResource(ctx, s.Config.Name, first.URI)
		if err != nil || len(contents) == 0 {
			t.Errorf("%s read %s: %v %v", s.Config.Name, first.URI, err, contents)
		}
	}
}

func TestToolFilters(t *testing.T) {
	t.Parallel()
	only := stdioEverything(t, "only")
	only.EnabledTools = []string{"echo", "get-sum", "no-such-tool"}
	only.DisabledTools = []string{"get-sum"}
	m, _ := startManager(t, only)
	if diff := cmp.Diff([]string{"echo"}, toolNames(m.Servers()[0])); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestFailingServers(t *testing.T) {
	t.Parallel()
	n := node(t)
	crash := ServerConfig{Name: "crash", Command: n, Args: []string{"-e", `console.error("boom: no config file"); process.exit(3)`}, StartupTimeout: 10 * time.Second, Required: true}
	hang := ServerConfig{Name: "hang", Command: n, Args: []string{"-e", `setInterval(() => {}, 1000)`}, StartupTimeout: 300 * time.Millisecond}
	missing := ServerConfig{Name: "missing", Command: filepath.Join(t.TempDir(), "nope"), StartupTimeout: time.Second}
	start := time.Now()
	m, rec := startManager(t, crash, hang, missing)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("start-up took %s", d)
	}
	got := map[string]Server{}
	for _, s := range m.Servers() {
		got[s.Config.Name] = s
		if diff := cmp.Diff([]string{protocol.McpStarting, protocol.McpFailed}, rec.states(s.Config.Name)); diff != "" {
			t.Errorf("%s states (-want +got):\n%s", s.Config.Name, diff)
		}
	}
	if s := got["crash"]; !strings.Contains(s.Stderr, "boom: no config file") {
		t.Errorf("crash: %+v", s)
	}
	if s := got["hang"]; !strings.Contains(s.Error, "did not start within 300ms") {
		t.Errorf("hang: %+v", s)
	}
	if s := got["missing"]; !strings.Contains(s.Error, "nope") {
		t.Errorf("missing: %+v", s)
	}
	err := m.Required(context.Background())
	if err == nil || !strings.Contains(err.Error(), `required MCP server "crash" failed to start`) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Required() = %v", err)
	}
	if _, err := m.CallTool(context.Background(), "hang", "x", "", nil, nil); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("call on a failed server: %v", err)
	}
}

func TestServerExitsMidCall(t *testing.T) {
	t.Parallel()
	script, _ := filepath.Abs("testdata/exit_midcall.mjs")
	cfg := ServerConfig{Name: "dies", Command: node(t), Args: []string{script}, StartupTimeout: 10 * time.Second, ToolTimeout: 10 * time.Second}
	m, _ := startManager(t, cfg)
	start := time.Now()
	_, err := m.CallTool(context.Background(), "dies", "die", "", nil, nil)
	if err == nil {
		t.Fatal("a call to a server that exits returned no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failed call took %s", d)
	}
}

func TestToolTimeoutCancels(t *testing.T) {
	t.Parallel()
	cfg := stdioEverything(t, "slow")
	cfg.ToolTimeout = 200 * time.Millisecond
	m, _ := startManager(t, cfg)
	_, err := m.CallTool(context.Background(), "slow", "trigger-long-running-operation", "", json.RawMessage(`{"duration":30,"steps":3}`), nil)
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Fatalf("err = %v", err)
	}
	// The connection survives a cancelled call.
	res, err := m.CallTool(context.Background(), "slow", "echo", "", json.RawMessage(`{"message":"still here"}`), nil)
	if err != nil || !strings.Contains(text(t, res), "still here") {
		t.Errorf("after timeout: %v %+v", err, res)
	}
}

// server-everything registers some tools only after initialization (those
// that depend on the client's capabilities: get-roots-list, as kodex offers
// roots) and says so with tools/list_changed: they are offered too.
func TestToolListChanged(t *testing.T) {
	t.Parallel()
	m := Start(Options{Servers: []ServerConfig{stdioEverything(t, "ev")}, Roots: []string{t.TempDir()}, ClientVersion: "test"})
	defer m.Close()
	seen := make(chan struct{})
	var once sync.Once
	stop := m.Watch(func(msg protocol.EventMsg) {
		if st := msg.(protocol.McpServerStatus); st.State == protocol.McpReady && slices.Contains(st.ToolNames, "get-roots-list") {
			once.Do(func() { close(seen) })
		}
	})
	defer stop()
	select {
	case <-seen:
	case <-time.After(30 * time.Second):
		t.Fatalf("get-roots-list never offered; tools: %v", toolNames(m.Servers()[0]))
	}
	res, err := m.CallTool(context.Background(), "ev", "get-roots-list", "", nil, nil)
	if err != nil || !strings.Contains(text(t, res), "file://") {
		t.Errorf("get-roots-list: %v %+v", err, res)
	}
}

// tool_timeout_sec cancels the call on the server: it gets
// notifications/cancelled for the request it was sent.
func TestToolTimeoutSendsCancellation(t *testing.T) {
	t.Parallel()
	script, _ := filepath.Abs("testdata/cancel_probe.mjs")
	record := filepath.Join(t.TempDir(), "cancelled")
	cfg := ServerConfig{Name: "probe", Command: node(t), Args: []string{script, record}, StartupTimeout: 10 * time.Second, ToolTimeout: 200 * time.Millisecond}
	m, _ := startManager(t, cfg)
	if _, err := m.CallTool(context.Background(), "probe", "wait", "", nil, nil); err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Fatalf("err = %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(record)
		if err == nil {
			callID, _ := os.ReadFile(record + ".call")
			var p struct {
				RequestID json.Number `json:"requestId"`
			}
			if err := json.Unmarshal(b, &p); err != nil || p.RequestID.String() != string(callID) {
				t.Errorf("cancelled %s, want request %s (%v)", b, callID, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server got no notifications/cancelled")
		}
		time.Sleep(10 * time.Millisecond) // polling a file the server writes, not timing
	}
}
