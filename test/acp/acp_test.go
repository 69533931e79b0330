package acp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/testkit"
)

// kodexBin is the kodex binary TestMain builds.
var kodexBin string //nolint:gochecknoglobals // built once for every test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kodex-acp-test-")
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

// touchSources reads the module's Go files: the binary these tests build
// is made of them, and reading them during a test is what tells go test's
// cache that a change to them invalidates a cached result.
func touchSources(t *testing.T) {
	t.Helper()
	root := filepath.Join("..", "..")
	for _, f := range []string{"go.mod", "go.sum"} {
		_, _ = os.ReadFile(filepath.Join(root, f))
	}
	for _, dir := range []string{"cmd", "internal"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
				_, _ = os.ReadFile(p)
			}
			return nil
		})
	}
}

// clientLog is what client.mjs saw.
type clientLog struct {
	Responses   map[string]json.RawMessage `json:"responses"`
	Updates     []update                   `json:"updates"`
	Permissions []struct {
		Step     string          `json:"step"`
		ToolCall json.RawMessage `json:"toolCall"`
		Options  []struct {
			OptionID string `json:"optionId"`
			Kind     string `json:"kind"`
		} `json:"options"`
	} `json:"permissions"`
	Reads  []struct{ Step, Path string } `json:"reads"`
	Writes []struct {
		Step, Path, Content string
	} `json:"writes"`
	RawUpdates int               `json:"rawUpdates"`
	Invalid    []json.RawMessage `json:"invalid"`
	Sent       []string          `json:"sent"`
	Error      string            `json:"error"`
	Stderr     string            `json:"stderr"`
}

type update struct {
	Step      string `json:"step"`
	SessionID string `json:"sessionId"`
	Update    struct {
		SessionUpdate string `json:"sessionUpdate"`
		Content       any    `json:"content"`
		ToolCallID    string `json:"toolCallId"`
		Title         string `json:"title"`
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Entries       any    `json:"entries"`
	} `json:"update"`
}

// text is the text of the chunks of kind in step.
func (l *clientLog) text(step, kind string) string {
	var b strings.Builder
	for _, u := range l.Updates {
		if u.Step == step && u.Update.SessionUpdate == kind {
			if c, ok := u.Update.Content.(map[string]any); ok {
				s, _ := c["text"].(string)
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

// tool returns the updates of step's tool call whose first update has
// kind, in order.
func (l *clientLog) tool(step, kind string) []update {
	id := ""
	var out []update
	for _, u := range l.Updates {
		if u.Step != step {
			continue
		}
		if id == "" && u.Update.SessionUpdate == "tool_call" && u.Update.Kind == kind {
			id = u.Update.ToolCallID
		}
		if id != "" && u.Update.ToolCallID == id {
			out = append(out, u)
		}
	}
	return out
}

func stopReason(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var r struct {
		StopReason string `json:"stopReason"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decoding a prompt response %s: %v", raw, err)
	}
	return r.StopReason
}

// runClient runs client.mjs with args against kodex acp in work.
func runClient(t *testing.T, home, work string, args ...string) *clientLog {
	t.Helper()
	cmd := exec.Command("node", append([]string{"client.mjs"}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(home), "KODEX_HOME=" + home,
		"OPENAI_API_KEY=sk-test", "TMPDIR=" + os.TempDir(), "KODEX_BIN=" + kodexBin, "WORK=" + work,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.mjs %v: %v\n%s", args, err, stderr.String())
	}
	var l clientLog
	if err := json.Unmarshal(stdout.Bytes(), &l); err != nil {
		t.Fatalf("decoding the client's log: %v\n%s", err, stdout.String())
	}
	if l.Error != "" {
		t.Fatalf("the client failed: %s\nkodex's stderr:\n%s", l.Error, l.Stderr)
	}
	for _, inv := range l.Invalid {
		t.Errorf("kodex sent a message that does not validate against ACP's schema: %s", inv)
	}
	if len(l.Sent) == 0 {
		t.Errorf("the client noted no request it sent")
	}
	if l.RawUpdates != len(l.Updates) {
		t.Errorf("kodex sent %d session/update notifications; %d validated against ACP's schema (the SDK drops the others)", l.RawUpdates, len(l.Updates))
	}
	return &l
}

func shellCall(t *testing.T, script, justification string) modeltest.Response {
	t.Helper()
	args, err := json.Marshal(map[string]any{
		"command": []string{"bash", "-lc", script}, "sandbox_permissions": "require_escalated", "justification": justification,
	})
	if err != nil {
		t.Fatal(err)
	}
	return modeltest.Calls(modeltest.FunctionCall("shell", string(args)))
}

// TestEditor is the "done when": ACP's official TypeScript client
// (@agentclientprotocol/sdk) completes a prompt with a permission request,
// then an edit written through its file system, a cancelled prompt, and a
// session/load of the recorded session in a new process.
func TestEditor(t *testing.T) {
	touchSources(t)
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is required (scripts/test-deps.sh installs it)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "@agentclientprotocol", "sdk")); err != nil {
		t.Fatal("the ACP SDK is not installed: run scripts/test-deps.sh")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	home, work := filepath.Join(dir, "home", ".kodex"), filepath.Join(dir, "work")
	for _, d := range []string{home, filepath.Join(work, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	aTxt := filepath.Join(work, "a.txt")
	if err := os.WriteFile(aTxt, []byte("on disk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	patchArgs, _ := json.Marshal(map[string]string{"input": "*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+two\n*** End Patch\n"})
	srv := modeltest.New(t,
		shellCall(t, "echo hello-from-kodex", "to say hello"),
		modeltest.Text("done running"),
		modeltest.Calls(modeltest.FunctionCall("apply_patch", string(patchArgs))),
		modeltest.Text("edited a.txt"),
		shellCall(t, "sleep 60", "to wait"),
		modeltest.Text("we said hello and edited a.txt"),
	)
	cfg := fmt.Sprintf("openai_base_url = %q\n", srv.URL())
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	l := runClient(t, home, work, "session")
	if os.Getenv("ACP_DEBUG") != "" {
		b, _ := json.MarshalIndent(l, "", " ")
		t.Logf("%s", b)
	}

	var init struct {
		ProtocolVersion   int `json:"protocolVersion"`
		AgentCapabilities struct {
			LoadSession        bool            `json:"loadSession"`
			PromptCapabilities map[string]bool `json:"promptCapabilities"`
		} `json:"agentCapabilities"`
	}
	if err := json.Unmarshal(l.Responses["initialize"], &init); err != nil {
		t.Fatal(err)
	}
	if init.ProtocolVersion != 1 || !init.AgentCapabilities.LoadSession || !init.AgentCapabilities.PromptCapabilities["image"] {
		t.Errorf("initialize = %s; want protocol 1, loadSession, image prompts", l.Responses["initialize"])
	}
	var newSession struct {
		SessionID string `json:"sessionId"`
		Modes     struct {
			CurrentModeID string `json:"currentModeId"`
		} `json:"modes"`
	}
	if err := json.Unmarshal(l.Responses["new"], &newSession); err != nil || newSession.SessionID == "" {
		t.Fatalf("session/new = %s (%v)", l.Responses["new"], err)
	}
	if newSession.Modes.CurrentModeID != "auto" {
		t.Errorf("the session starts in mode %q, want auto (workspace-write, on-request)", newSession.Modes.CurrentModeID)
	}

	t.Run("the client's MCP server", func(t *testing.T) {
		// session/new's mcpServers run with the session: the model is
		// offered their tools.
		if reqs := srv.Requests(); len(reqs) == 0 || !strings.Contains(string(reqs[0].Raw), "mcp__self__kodex") {
			t.Errorf("the first model request does not offer the MCP server's tools (mcp__self__kodex)")
		}
	})

	t.Run("command with a permission request", func(t *testing.T) {
		if got := stopReason(t, l.Responses["command"]); got != "end_turn" {
			t.Errorf("stopReason = %q, want end_turn", got)
		}
		if len(l.Permissions) == 0 || l.Permissions[0].Step != "command" {
			t.Fatalf("permission requests %+v: want one for the command", l.Permissions)
		}
		var kinds []string
		for _, o := range l.Permissions[0].Options {
			kinds = append(kinds, o.Kind)
		}
		if diff := cmp.Diff([]string{"allow_once", "allow_always", "reject_once"}, kinds); diff != "" {
			t.Errorf("permission options (-want +got):\n%s", diff)
		}
		if !strings.Contains(string(l.Permissions[0].ToolCall), "echo hello-from-kodex") {
			t.Errorf("the permission request's tool call %s does not show the command", l.Permissions[0].ToolCall)
		}
		calls := l.tool("command", "execute")
		if len(calls) < 2 {
			t.Fatalf("the command's updates: %+v", calls)
		}
		first, last := calls[0].Update, calls[len(calls)-1].Update
		if first.Status != "pending" || first.Title != "echo hello-from-kodex" {
			t.Errorf("tool_call = %+v; want the command, pending approval", first)
		}
		out, _ := json.Marshal(last.Content)
		if last.Status != "completed" || !strings.Contains(string(out), "hello-from-kodex") {
			t.Errorf("the command's last update = %+v; want completed with its output", last)
		}
		if got := l.text("command", "agent_message_chunk"); got != "done running" {
			t.Errorf("the answer = %q, want %q", got, "done running")
		}
	})

	t.Run("edit through the client's file system", func(t *testing.T) {
		if got := stopReason(t, l.Responses["edit"]); got != "end_turn" {
			t.Errorf("stopReason = %q, want end_turn", got)
		}
		calls := l.tool("edit", "edit")
		if len(calls) < 2 {
			t.Fatalf("the edit's updates: %+v", calls)
		}
		wantDiff := []any{map[string]any{"type": "diff", "path": aTxt, "oldText": "one\n", "newText": "two\n"}}
		if diff := cmp.Diff(wantDiff, calls[0].Update.Content); diff != "" {
			t.Errorf("the edit's diff content (-want +got):\n%s", diff)
		}
		if last := calls[len(calls)-1].Update; last.Status != "completed" {
			t.Errorf("the edit's last update = %+v; want completed", last)
		}
		// The patch applied to the editor's unsaved buffer ("one"), not
		// the disk ("on disk"), and was written back through the editor.
		var reads []string
		for _, r := range l.Reads {
			reads = append(reads, r.Path)
		}
		if len(reads) == 0 || reads[0] != aTxt {
			t.Errorf("fs/read_text_file paths %v; want %s", reads, aTxt)
		}
		if len(l.Writes) != 1 || l.Writes[0].Path != aTxt || l.Writes[0].Content != "two\n" {
			t.Errorf("fs/write_text_file calls %+v; want a.txt = two", l.Writes)
		}
		if b, _ := os.ReadFile(aTxt); string(b) != "on disk\n" {
			t.Errorf("a.txt on disk = %q: kodex wrote it itself instead of through the editor", b)
		}
	})

	t.Run("cancel mid-turn", func(t *testing.T) {
		if got := stopReason(t, l.Responses["cancel"]); got != "cancelled" {
			t.Errorf("stopReason = %q, want cancelled", got)
		}
		calls := l.tool("cancel", "execute")
		if len(calls) == 0 || calls[0].Update.Title != "sleep 60" {
			t.Fatalf("the cancelled command's updates: %+v", calls)
		}
		if last := calls[len(calls)-1].Update; last.Status != "failed" {
			t.Errorf("the cancelled command's last update = %+v; want failed (killed)", last)
		}
	})

	t.Run("session/load replays and goes on", func(t *testing.T) {
		l2 := runClient(t, home, work, "load", newSession.SessionID)
		var replayed []string
		for _, u := range l2.Updates {
			if u.Step == "load" {
				replayed = append(replayed, u.Update.SessionUpdate)
			}
		}
		if got := l2.text("load", "user_message_chunk"); !strings.Contains(got, "run the tests") || !strings.Contains(got, "edit a.txt") {
			t.Errorf("replayed user messages %q", got)
		}
		if got := l2.text("load", "agent_message_chunk"); !strings.Contains(got, "done running") || !strings.Contains(got, "edited a.txt") {
			t.Errorf("replayed answers %q", got)
		}
		if calls := l2.tool("load", "execute"); len(calls) == 0 || calls[0].Update.Title != "echo hello-from-kodex" {
			t.Errorf("replayed updates %v: want the command as a tool call", replayed)
		}
		if got := stopReason(t, l2.Responses["after-load"]); got != "end_turn" {
			t.Errorf("stopReason after load = %q, want end_turn", got)
		}
		if got := l2.text("after-load", "agent_message_chunk"); got != "we said hello and edited a.txt" {
			t.Errorf("the answer after load = %q", got)
		}
		reqs := srv.Requests()
		last, _ := json.Marshal(reqs[len(reqs)-1].Input())
		if !strings.Contains(string(last), "done running") || !strings.Contains(string(last), "what did we do?") {
			t.Errorf("the model's request after load does not carry the conversation: %s", last)
		}
	})
}
