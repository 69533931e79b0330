package appserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/testkit"
)

// kodexBin is the kodex binary TestMain builds.
var kodexBin string //nolint:gochecknoglobals // built once for every test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kodex-appserver-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kodexBin = filepath.Join(dir, "kodex")
	build := exec.Command(testkit.GoTool(), "build", "-o", kodexBin, "./cmd/kodex")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kodex: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// sourcesOnce reads the sources once per run (see touchSources).
var sourcesOnce sync.Once //nolint:gochecknoglobals // once per test binary

// touchSources reads the module's Go files and go.mod: the binary these
// tests build is made of them, and reading them during the tests (go
// test logs the files a test opens; TestMain's are not) is what tells its
// cache that a change to them invalidates a cached result.
func touchSources(root string) {
	for _, f := range []string{"go.mod", "go.sum"} {
		_, _ = os.ReadFile(filepath.Join(root, f))
	}
	for _, dir := range []string{"cmd", "internal"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".go") || strings.Contains(p, string(filepath.Separator)+"schema"+string(filepath.Separator))) {
				_, _ = os.ReadFile(p)
			}
			return nil
		})
	}
}

// schemas are the documents messages are validated against, loaded once
// per test.
type schemas struct {
	v2, notes, requests, init *schema
}

func loadSchemas(t testing.TB) schemas {
	return schemas{
		v2:       loadSchema(t, "codex_app_server_protocol.v2.schemas.json"),
		notes:    loadSchema(t, "ServerNotification.json"),
		requests: loadSchema(t, "ServerRequest.json"),
		init:     loadSchema(t, "InitializeResponse.json"),
	}
}

// responseDefs names the v2 definition of each implemented method's result.
var responseDefs = map[string]string{ //nolint:gochecknoglobals // a table
	"thread/start":         "ThreadStartResponse",
	"thread/resume":        "ThreadResumeResponse",
	"thread/fork":          "ThreadForkResponse",
	"thread/list":          "ThreadListResponse",
	"thread/read":          "ThreadReadResponse",
	"thread/archive":       "ThreadArchiveResponse",
	"thread/unarchive":     "ThreadUnarchiveResponse",
	"thread/delete":        "ThreadDeleteResponse",
	"thread/name/set":      "ThreadSetNameResponse",
	"thread/compact/start": "ThreadCompactStartResponse",
	"turn/start":           "TurnStartResponse",
	"turn/steer":           "TurnSteerResponse",
	"turn/interrupt":       "TurnInterruptResponse",
	"model/list":           "ModelListResponse",
	// What Codex's TUI (--remote) calls besides.
	"account/read":            "GetAccountResponse",
	"configRequirements/read": "ConfigRequirementsReadResponse",
	"hooks/list":              "HooksListResponse",
	"skills/list":             "SkillsListResponse",
	"thread/loaded/list":      "ThreadLoadedListResponse",
	"thread/unsubscribe":      "ThreadUnsubscribeResponse",
	"mcpServerStatus/list":    "ListMcpServerStatusResponse",
	"config/read":             "ConfigReadResponse",
}

// msg is one message from the server.
type msg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	raw string
}

// server is a running `kodex app-server` and the client side of its
// stdio. Every message it sends is validated when it is read.
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	msgs   chan msg
	sch    schemas
	mu     sync.Mutex
	sent   map[string]string // request id → method
	nextID int
	// noValidate skips the schema check (benchmarks measure the server).
	noValidate bool
	// backlog holds messages read while waiting for another.
	backlog []msg
	done    chan struct{}
}

// env is the environment of a test's server: its own KODEX_HOME whose
// config points at the fake model, and a git repository as the cwd.
type env struct {
	home, work, modelURL string
	extraConfig          string
}

func newEnv(t testing.TB, modelURL string) *env {
	t.Helper()
	sourcesOnce.Do(func() { touchSources(filepath.Join("..", "..")) })
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{home: filepath.Join(dir, "home", ".kodex"), work: filepath.Join(dir, "work"), modelURL: modelURL}
	for _, d := range []string{e.home, filepath.Join(e.work, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) start(t testing.TB, args ...string) *server {
	t.Helper()
	cfg := fmt.Sprintf("openai_base_url = %q\n%s", e.modelURL, e.extraConfig)
	if err := os.WriteFile(filepath.Join(e.home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kodexBin, append([]string{"app-server"}, args...)...)
	cmd.Dir = e.work
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(e.home), "KODEX_HOME=" + e.home,
		"OPENAI_API_KEY=sk-test", "TMPDIR=" + os.TempDir(),
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := newClient(t, stdin, stdout)
	s.cmd = cmd
	t.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("kodex app-server did not exit after stdin closed")
		}
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("stderr:\n%s", cmd.Stderr.(*lockedWriter).String())
		}
	})
	return s
}

// listen starts `kodex app-server` with args (a --listen other than
// stdio) and returns the address it says it listens on.
func (e *env) listen(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(kodexBin, append([]string{"app-server"}, args...)...)
	cmd.Dir = e.work
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(e.home), "KODEX_HOME=" + e.home, "OPENAI_API_KEY=sk-test"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	var addr string
	for addr == "" && sc.Scan() {
		if _, a, ok := strings.Cut(sc.Text(), "listening on "); ok {
			addr = a
		}
	}
	go func() { // keep reading so the server never blocks on stderr
		for sc.Scan() {
		}
	}()
	if addr == "" {
		t.Fatal("the server did not say where it listens")
	}
	return addr
}

// newClient is the client side of a connection to a server.
func newClient(t testing.TB, w io.WriteCloser, r io.Reader) *server {
	s := &server{t: t, stdin: w, msgs: make(chan msg, 1024), sch: loadSchemas(t), sent: map[string]string{}, done: make(chan struct{})}
	go s.read(r)
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (s *server) read(r io.Reader) {
	defer close(s.done)
	defer close(s.msgs)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		var m msg
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			s.t.Errorf("server sent a line that is not JSON: %q", line)
			continue
		}
		m.raw = line
		s.msgs <- m
	}
}

// validate checks a message from the server against Codex's schema.
func (s *server) validate(m msg) {
	s.t.Helper()
	if s.noValidate {
		return
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(m.raw), &v); err != nil {
		s.t.Fatal(err)
	}
	if v["jsonrpc"] != "2.0" {
		s.t.Errorf("message without jsonrpc 2.0: %s", m.raw)
	}
	delete(v, "jsonrpc")
	switch {
	case m.Method != "" && len(m.ID) > 0:
		if err := s.sch.requests.validate(v, ""); err != nil {
			s.t.Errorf("server request does not match Codex's schema: %v\n%s", err, m.raw)
		}
	case m.Method != "":
		if err := s.sch.notes.validate(v, ""); err != nil {
			s.t.Errorf("notification does not match Codex's schema: %v\n%s", err, m.raw)
		}
	case m.Error != nil:
		if m.Error.Code == 0 || m.Error.Message == "" {
			s.t.Errorf("error response without code or message: %s", m.raw)
		}
	default:
		s.mu.Lock()
		method := s.sent[string(m.ID)]
		s.mu.Unlock()
		var result any
		_ = json.Unmarshal(m.Result, &result)
		var err error
		switch def, ok := responseDefs[method]; {
		case method == "initialize":
			err = s.sch.init.validate(result, "")
		case method == "collaborationMode/list": // experimental: no definition
			if _, ok := result.(map[string]any)["data"].([]any); !ok {
				err = fmt.Errorf("no data array")
			}
		case method == "fuzzyFileSearch": // its response has no definition; its items do
			files, _ := result.(map[string]any)["files"].([]any)
			if files == nil {
				err = fmt.Errorf("no files array")
			}
			for _, f := range files {
				if err == nil {
					err = s.sch.v2.validate(f, "FuzzyFileSearchResult")
				}
			}
		case ok:
			err = s.sch.v2.validate(result, def)
		default:
			err = fmt.Errorf("a response to an unknown request %s", m.ID)
		}
		if err != nil {
			s.t.Errorf("%s result does not match Codex's schema: %v\n%s", method, err, m.raw)
		}
	}
}

// send writes a raw line.
func (s *server) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("writing to the server: %v", err)
	}
}

// request sends a request (without the jsonrpc member, as Codex's clients
// do) and returns its id.
func (s *server) request(method string, params any) string {
	s.t.Helper()
	s.mu.Lock()
	s.nextID++
	id := fmt.Sprint(s.nextID)
	s.sent[id] = method
	s.mu.Unlock()
	b, err := json.Marshal(map[string]any{"id": s.nextID, "method": method, "params": params})
	if err != nil {
		s.t.Fatal(err)
	}
	s.send(string(b))
	return id
}

// call sends a request and waits for its response.
func (s *server) call(method string, params any) msg {
	s.t.Helper()
	id := s.request(method, params)
	return s.waitFor(func(m msg) bool { return m.Method == "" && string(m.ID) == id })
}

// result calls and decodes a successful result into out.
func (s *server) result(method string, params, out any) {
	s.t.Helper()
	m := s.call(method, params)
	if m.Error != nil {
		s.t.Fatalf("%s: error %d %s", method, m.Error.Code, m.Error.Message)
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			s.t.Fatalf("%s result: %v", method, err)
		}
	}
}

const wait = 60 * time.Second

// recv reads the next message from the stream and validates it.
func (s *server) recv() msg {
	s.t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			s.t.Fatalf("the server closed its stdout while a message was awaited")
		}
		s.validate(m)
		return m
	case <-timer.C:
		s.t.Fatalf("no message within %v; backlog: %d messages", wait, len(s.backlog))
	}
	return msg{}
}

// waitFor returns the first message (in order, backlog first) that
// matches; the others read meanwhile stay in the backlog.
func (s *server) waitFor(match func(msg) bool) msg {
	s.t.Helper()
	for i, m := range s.backlog {
		if match(m) {
			s.backlog = append(s.backlog[:i:i], s.backlog[i+1:]...)
			return m
		}
	}
	for {
		m := s.recv()
		if match(m) {
			return m
		}
		s.backlog = append(s.backlog, m)
	}
}

// next returns the next notification or request of method.
func (s *server) next(method string) msg {
	s.t.Helper()
	return s.waitFor(func(m msg) bool { return m.Method == method })
}

// until returns every message, in order (backlog first), up to and
// including the first one of method.
func (s *server) until(method string) []msg {
	s.t.Helper()
	var out []msg
	for len(s.backlog) > 0 {
		m := s.backlog[0]
		s.backlog = s.backlog[1:]
		out = append(out, m)
		if m.Method == method {
			return out
		}
	}
	for {
		m := s.recv()
		out = append(out, m)
		if m.Method == method {
			return out
		}
	}
}

func (s *server) initialize() {
	s.t.Helper()
	s.result("initialize", map[string]any{"clientInfo": map[string]any{"name": "appserver_test", "version": "1.0"}}, nil)
	s.send(`{"method":"initialized"}`)
}

// params decodes a message's params.
func params[T any](t testing.TB, m msg) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(m.Params, &v); err != nil {
		t.Fatalf("%s params: %v", m.Method, err)
	}
	return v
}
