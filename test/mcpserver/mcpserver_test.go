package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"

	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the MCP interop test's dependencies"

// env is what the tests share: a kodex binary, a fake model it is
// configured for, and a repository to work in.
type env struct {
	kodex, node, here  string
	work, home, kodexH string
	tmp                string
	model              *modeltest.Server
}

// lastPrompt is the text of the request's last user message.
func lastPrompt(r *modeltest.Request) string {
	in := r.Input()
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].Type == model.ItemMessage && in[i].Role == "user" {
			return in[i].Text()
		}
	}
	return ""
}

// answer is the fake model: it answers by the prompt of the turn.
// "par-1" and "par-2" are answered only once both have been asked, so the
// two calls must run at the same time (served one after the other, they
// would never end and the test's deadline would fail it).
func answer() func(r *modeltest.Request) modeltest.Response {
	var both sync.WaitGroup
	both.Add(2)
	touch := func(r *modeltest.Request, file, done string) modeltest.Response {
		if r.EndsWithToolOutput() {
			return modeltest.Text(done + ": " + r.LastToolOutput())
		}
		return modeltest.Calls(modeltest.FunctionCall("shell", fmt.Sprintf(`{"command":["touch",%q]}`, file)))
	}
	return func(r *modeltest.Request) modeltest.Response {
		switch p := lastPrompt(r); p {
		case "hello":
			return modeltest.Text("hi from kodex")
		case "again":
			return modeltest.Text("second answer")
		case "touch approved":
			return touch(r, "approved.txt", "touched")
		case "touch denied":
			return touch(r, "denied.txt", "not touched")
		case "block":
			return modeltest.StallAfter(1, modeltest.Text("never finished"))
		case "after cancel":
			return modeltest.Text("resumed fine")
		case "par-1", "par-2":
			both.Done()
			both.Wait()
			return modeltest.Text(p + " done")
		case "inspect":
			return modeltest.Text("inspected")
		case "inspect again":
			return modeltest.Text("inspected again")
		default:
			return modeltest.Text("unexpected prompt " + p)
		}
	}
}

func setup(t *testing.T) *env {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (%v): %s", err, depsHint)
	}
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"sdk", "inspector-cli"} {
		if _, err := os.Stat(filepath.Join(here, "node_modules", "@modelcontextprotocol", pkg, "package.json")); err != nil {
			t.Fatalf("@modelcontextprotocol/%s is not installed in %s/node_modules (%v): %s", pkg, here, err, depsHint)
		}
	}
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{node: node, here: here, tmp: filepath.Join(tmp, "tmp"),
		work: filepath.Join(tmp, "repo"), home: filepath.Join(tmp, "home"), kodexH: filepath.Join(tmp, "home", ".kodex")}
	for _, d := range []string{e.work, e.kodexH, e.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	buildCtx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	e.kodex = filepath.Join(tmp, "kodex")
	build := exec.CommandContext(buildCtx, testkit.GoTool(), "build", "-o", e.kodex, "./cmd/kodex")
	build.Dir = filepath.Join(here, "..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}
	gitInit := exec.CommandContext(t.Context(), "git", "init", "-q")
	gitInit.Dir = e.work
	gitInit.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.home}
	if out, err := gitInit.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	e.model = modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Func(answer())}, Loop: true})
	// $HOME/.kodex is kodex's home: the inspector passes only HOME, PATH
	// and a few others to the server it starts.
	config := fmt.Sprintf("model = \"gpt-test\"\nmodel_provider = \"fake\"\n\n[model_providers.fake]\nname = \"fake\"\nbase_url = %q\nwire_api = \"responses\"\n", e.model.URL())
	if err := os.WriteFile(filepath.Join(e.kodexH, "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) run(ctx context.Context, t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, e.node, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.home, "KODEX_HOME=" + e.kodexH, "TMPDIR=" + e.tmp,
		"NO_COLOR=1", "KODEX_BIN=" + e.kodex, "WORKDIR=" + e.work}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s\nmodel requests: %d", strings.Join(args, " "), err, stdout.String(), stderr.String(), len(e.model.Requests()))
	}
	return stdout.Bytes()
}

type result struct {
	IsError    bool     `json:"isError"`
	Text       []string `json:"text"`
	Structured struct {
		ThreadID string `json:"threadId"`
		Content  string `json:"content"`
	} `json:"structured"`
}

type summary struct {
	Server struct{ Name string } `json:"server"`
	Tools  []struct {
		Name       string   `json:"name"`
		Required   []string `json:"required"`
		Properties []string `json:"properties"`
	} `json:"tools"`
	First        result   `json:"first"`
	Progress     []string `json:"progress"`
	Reply        result   `json:"reply"`
	Approved     result   `json:"approved"`
	Declined     result   `json:"declined"`
	Elicitations []struct {
		Message  string   `json:"message"`
		Kind     string   `json:"kind"`
		Command  []string `json:"command"`
		ThreadID string   `json:"threadId"`
	} `json:"elicitations"`
	Cancelled struct {
		Outcome  string `json:"outcome"`
		ThreadID string `json:"threadId"`
	} `json:"cancelled"`
	AfterCancel result   `json:"afterCancel"`
	Parallel    []result `json:"parallel"`
	Events      []struct {
		ThreadID  string `json:"threadId"`
		RequestID *int   `json:"requestId"`
		Type      string `json:"type"`
	} `json:"events"`
}

// TestTypeScriptSDKClient drives kodex mcp-server with the official
// TypeScript SDK client (drive.mjs).
func TestTypeScriptSDKClient(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out := e.run(ctx, t, e.here, "drive.mjs")
	var got summary
	if err := json.Unmarshal(bytes.TrimSpace(out), &got); err != nil {
		t.Fatalf("decoding drive.mjs output: %v\n%s", err, out)
	}
	t.Logf("drive.mjs summary: %s", bytes.TrimSpace(out))

	if got.Server.Name != "kodex-mcp-server" || len(got.Tools) != 2 || got.Tools[0].Name != "kodex" || got.Tools[1].Name != "kodex-reply" {
		t.Errorf("server %q tools %+v, want kodex-mcp-server with kodex and kodex-reply", got.Server.Name, got.Tools)
	} else if want := []string{"approval-policy", "base-instructions", "compact-prompt", "config", "cwd", "developer-instructions", "model", "profile", "prompt", "sandbox"}; !slices.Equal(got.Tools[0].Properties, want) {
		t.Errorf("kodex's arguments = %v, want %v", got.Tools[0].Properties, want)
	}

	first := got.First.Structured.ThreadID
	check := func(name string, r result, thread, content string) {
		t.Helper()
		if r.IsError || r.Structured.Content != content || len(r.Text) == 0 || r.Text[0] != content {
			t.Errorf("%s = %+v, want %q", name, r, content)
		}
		if thread != "" && r.Structured.ThreadID != thread {
			t.Errorf("%s thread = %q, want %q", name, r.Structured.ThreadID, thread)
		}
	}
	check("first", got.First, "", "hi from kodex")
	check("reply", got.Reply, first, "second answer")
	if first == "" {
		t.Error("the first result has no threadId")
	}
	if want := []string{"turn started", "waiting for approval to run touch approved.txt"}; len(got.Progress) < 2 || !slices.Equal(got.Progress[:2], want) {
		t.Errorf("progress of the approved call = %q, want it to begin with %q", got.Progress, want)
	}

	// Approvals: the accepted command ran, the declined one did not.
	if got.Approved.IsError || !strings.HasPrefix(got.Approved.Structured.Content, "touched: ") {
		t.Errorf("approved = %+v", got.Approved)
	}
	if _, err := os.Stat(filepath.Join(e.work, "approved.txt")); err != nil {
		t.Errorf("the approved command did not run: %v", err)
	}
	if got.Declined.IsError || !strings.HasPrefix(got.Declined.Structured.Content, "not touched: ") {
		t.Errorf("declined = %+v", got.Declined)
	}
	if _, err := os.Stat(filepath.Join(e.work, "denied.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the declined command ran (stat: %v)", err)
	}
	if len(got.Elicitations) != 2 {
		t.Fatalf("elicitations = %+v, want 2", got.Elicitations)
	}
	for i, el := range got.Elicitations {
		file := []string{"approved.txt", "denied.txt"}[i]
		if el.Kind != "exec-approval" || !slices.Equal(el.Command, []string{"touch", file}) || el.ThreadID == "" ||
			!strings.Contains(el.Message, "Allow kodex to run `touch "+file+"` in `"+e.work+"`?") {
			t.Errorf("elicitation %d = %+v", i, el)
		}
	}

	// Cancel: the call was aborted, its turn interrupted, the thread goes on.
	if !strings.Contains(got.Cancelled.Outcome, "the test cancels") || got.Cancelled.ThreadID == "" {
		t.Errorf("cancelled call = %+v, want the abort error and its thread", got.Cancelled)
	}
	check("reply after the cancel", got.AfterCancel, got.Cancelled.ThreadID, "resumed fine")
	var blocked []string
	for _, ev := range got.Events {
		if ev.ThreadID == got.Cancelled.ThreadID {
			blocked = append(blocked, ev.Type)
		}
	}
	if i := slices.Index(blocked, "turn_aborted"); i < 0 || !slices.Contains(blocked[i:], "turn_complete") {
		t.Errorf("events of the cancelled thread = %v, want turn_aborted then a completed turn", blocked)
	}

	// Two calls at once, each its own session.
	if len(got.Parallel) != 2 {
		t.Fatalf("parallel = %+v", got.Parallel)
	}
	check("par-1", got.Parallel[0], "", "par-1 done")
	check("par-2", got.Parallel[1], "", "par-2 done")
	if got.Parallel[0].Structured.ThreadID == got.Parallel[1].Structured.ThreadID {
		t.Errorf("the two calls share thread %s", got.Parallel[0].Structured.ThreadID)
	}

	// Every event names its thread; the first call's stream is whole.
	var firstTypes []string
	for _, ev := range got.Events {
		if ev.ThreadID == "" || ev.RequestID == nil {
			t.Errorf("an event without a threadId or a requestId: %+v", ev)
		}
		if ev.ThreadID == first {
			firstTypes = append(firstTypes, ev.Type)
		}
	}
	if len(firstTypes) < 2 || firstTypes[0] != "session_configured" || firstTypes[len(firstTypes)-1] != "turn_complete" {
		t.Errorf("events of the first thread = %v", firstTypes)
	}

	// The reply reached the model with the first turn's history.
	for _, r := range e.model.Requests() {
		if lastPrompt(&r) == "again" && !strings.Contains(string(r.Raw), "hi from kodex") {
			t.Errorf("the reply's request lacks the first answer")
		}
	}
}

// inspector runs the MCP Inspector's CLI against kodex mcp-server.
func (e *env) inspector(ctx context.Context, t *testing.T, args ...string) []byte {
	t.Helper()
	// It runs in its build directory: it finds its own package.json as
	// ../package.json from the working directory.
	dir := filepath.Join(e.here, "node_modules", "@modelcontextprotocol", "inspector-cli", "build")
	return e.run(ctx, t, dir, append([]string{"index.js", e.kodex, "mcp-server"}, args...)...)
}

// TestInspectorCLI drives kodex mcp-server with the MCP Inspector's CLI:
// each run is a new server process, so the reply resumes the recorded
// thread. The inspector cannot answer elicitations: the result says the
// approval policy became never.
func TestInspectorCLI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	out := e.inspector(ctx, t, "--method", "tools/list")
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("tools/list output: %v\n%s", err, out)
	}
	if len(list.Tools) != 2 || list.Tools[0].Name != "kodex" || list.Tools[1].Name != "kodex-reply" {
		t.Errorf("tools = %+v", list.Tools)
	}

	type callResult struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
		StructuredContent struct {
			ThreadID string `json:"threadId"`
			Content  string `json:"content"`
		} `json:"structuredContent"`
		IsError bool `json:"isError"`
	}
	var first, second callResult
	out = e.inspector(ctx, t, "--method", "tools/call", "--tool-name", "kodex",
		"--tool-arg", "prompt=inspect", "cwd="+e.work, "approval-policy=on-request")
	if err := json.Unmarshal(out, &first); err != nil {
		t.Fatalf("tools/call kodex output: %v\n%s", err, out)
	}
	if first.IsError || first.StructuredContent.Content != "inspected" || first.StructuredContent.ThreadID == "" || len(first.Content) != 2 ||
		!strings.Contains(first.Content[1].Text, "the approval policy on-request became never: the MCP client does not support elicitation") {
		t.Errorf("kodex call = %s", out)
	}
	out = e.inspector(ctx, t, "--method", "tools/call", "--tool-name", "kodex-reply",
		"--tool-arg", "threadId="+first.StructuredContent.ThreadID, "prompt=inspect again")
	if err := json.Unmarshal(out, &second); err != nil {
		t.Fatalf("tools/call kodex-reply output: %v\n%s", err, out)
	}
	if second.IsError || second.StructuredContent.Content != "inspected again" || second.StructuredContent.ThreadID != first.StructuredContent.ThreadID {
		t.Errorf("kodex-reply call = %s", out)
	}
	// The resumed thread carried the first turn to the model, and works
	// in its recorded directory, not in the new server's.
	reqs := e.model.Requests()
	last := reqs[len(reqs)-1]
	if !strings.Contains(string(last.Raw), "inspected") || lastPrompt(&last) != "inspect again" {
		t.Errorf("the reply's request lacks the first turn")
	}
	if raw := string(last.Raw); !strings.Contains(raw, "<cwd>"+e.work+"</cwd>") || strings.Contains(raw, "inspector-cli") {
		t.Errorf("the resumed thread does not work in %s: its request names another cwd", e.work)
	}
}
