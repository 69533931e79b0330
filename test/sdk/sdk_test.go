package sdk_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"

	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the SDK interop test's dependencies"

// summary is what drive.mjs prints.
type summary struct {
	First struct {
		ThreadID      string            `json:"threadId"`
		FinalResponse string            `json:"finalResponse"`
		ItemTypes     []string          `json:"itemTypes"`
		Items         []json.RawMessage `json:"items"`
		Usage         *usage            `json:"usage"`
	} `json:"first"`
	Second struct {
		ThreadID      string   `json:"threadId"`
		FinalResponse string   `json:"finalResponse"`
		ItemTypes     []string `json:"itemTypes"`
		Usage         *usage   `json:"usage"`
	} `json:"second"`
	Structured struct {
		ThreadID      string `json:"threadId"`
		FinalResponse string `json:"finalResponse"`
		Usage         *usage `json:"usage"`
	} `json:"structured"`
}

type usage struct {
	InputTokens           int64 `json:"input_tokens"`
	CachedInputTokens     int64 `json:"cached_input_tokens"`
	CacheWriteInputTokens int64 `json:"cache_write_input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
}

type commandItem struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	Command          string `json:"command"`
	AggregatedOutput string `json:"aggregated_output"`
	ExitCode         *int   `json:"exit_code"`
	Status           string `json:"status"`
}

// TestCodexSDKDrivesKodex runs drive.mjs, which uses the Codex TypeScript SDK
// with codexPathOverride pointing at a freshly built kodex: two turns on one
// thread (the second through `exec … resume <thread_id>`), then a turn with an
// output schema, all against a scripted fake model.
func TestCodexSDKDrivesKodex(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (%v): %s", err, depsHint)
	}
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(here, "node_modules", "@openai", "codex-sdk", "package.json")); err != nil {
		t.Fatalf("the Codex SDK is not installed in %s/node_modules (%v): %s", here, err, depsHint)
	}
	root := filepath.Join(here, "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", here, err)
	}

	// The resolved path, so that kodex's idea of its cwd matches ours.
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	// A cold build cache on a small machine takes a while; the SDK run does
	// not, so it gets a much tighter bound below.
	buildCtx, cancelBuild := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancelBuild()
	kodex := filepath.Join(tmp, "kodex")
	build := exec.CommandContext(buildCtx, testkit.GoTool(), "build", "-o", kodex, "./cmd/kodex")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	work := filepath.Join(tmp, "repo")
	home := filepath.Join(tmp, "home")
	kodexHome := filepath.Join(tmp, "kodex-home")
	tmpDir := filepath.Join(tmp, "tmp")
	for _, d := range []string{work, home, kodexHome, tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(work, "README"), []byte("sdk interop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A 1×1 PNG for the image run.
	image := filepath.Join(work, "pixel.png")
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
	if err := os.WriteFile(image, png, 0o600); err != nil {
		t.Fatal(err)
	}
	gitInit := exec.CommandContext(ctx, "git", "init", "-q")
	gitInit.Dir = work
	gitInit.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	if out, err := gitInit.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}

	srv := modeltest.New(t,
		// Run 1: a shell call, then the answer once its output is back.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["echo","from-kodex"]}`)),
		modeltest.Text("first answer"),
		// Run 2 (exec … resume <thread_id>).
		modeltest.Text("second answer"),
		// Run 3: a new thread with an output schema.
		modeltest.Text(`{"answer":"structured answer"}`),
	)

	cmd := exec.CommandContext(ctx, node, "drive.mjs")
	cmd.Dir = here
	// A clean environment: no API keys or Codex/kodex settings of the caller
	// leak into the SDK or into kodex.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"KODEX_HOME=" + kodexHome,
		"TMPDIR=" + tmpDir,
		"NO_COLOR=1",
		"KODEX_BIN=" + kodex,
		"MODEL_URL=" + srv.URL(),
		"WORKDIR=" + work,
		"IMAGE=" + image,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node drive.mjs: %v\nstdout:\n%s\nstderr:\n%s\nmodel requests: %d", err, stdout.String(), stderr.String(), len(srv.Requests()))
	}
	var got summary
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &got); err != nil {
		t.Fatalf("decoding drive.mjs output: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("drive.mjs summary: %s", bytes.TrimSpace(stdout.Bytes()))

	// The turns, as the SDK saw them.
	if got.First.FinalResponse != "first answer" {
		t.Errorf("first run's finalResponse = %q, want %q", got.First.FinalResponse, "first answer")
	}
	if got.Second.FinalResponse != "second answer" {
		t.Errorf("second run's finalResponse = %q, want %q", got.Second.FinalResponse, "second answer")
	}
	if got.First.ThreadID == "" || got.Second.ThreadID != got.First.ThreadID {
		t.Errorf("thread ids: first run %q, after the second run %q; want one non-empty id", got.First.ThreadID, got.Second.ThreadID)
	}
	if !slices.Contains(got.First.ItemTypes, "agent_message") {
		t.Errorf("first run's items %v have no agent_message", got.First.ItemTypes)
	}
	var cmds []commandItem
	for _, raw := range got.First.Items {
		var it commandItem
		if err := json.Unmarshal(raw, &it); err != nil {
			t.Fatalf("decoding item %s: %v", raw, err)
		}
		if it.Type == "command_execution" {
			cmds = append(cmds, it)
		}
	}
	if len(cmds) != 1 {
		t.Errorf("first run has %d command_execution items, want 1 (item types %v)", len(cmds), got.First.ItemTypes)
	} else {
		c := cmds[0]
		if c.AggregatedOutput != "from-kodex\n" || c.ExitCode == nil || *c.ExitCode != 0 || c.Status != "completed" {
			exit := "nil"
			if c.ExitCode != nil {
				exit = strconv.Itoa(*c.ExitCode)
			}
			t.Errorf("command_execution: output %q, exit_code %s, status %q; want %q, 0, completed", c.AggregatedOutput, exit, c.Status, "from-kodex\n")
		}
		if !strings.Contains(c.Command, "from-kodex") {
			t.Errorf("command_execution command = %q, want it to mention from-kodex", c.Command)
		}
	}
	for name, u := range map[string]*usage{"first": got.First.Usage, "second": got.Second.Usage, "structured": got.Structured.Usage} {
		if u == nil || u.InputTokens == 0 || u.OutputTokens == 0 {
			t.Errorf("%s run's usage = %+v, want non-zero input and output tokens", name, u)
		}
	}
	if got.Structured.FinalResponse != `{"answer":"structured answer"}` {
		t.Errorf("structured run's finalResponse = %q", got.Structured.FinalResponse)
	}
	if got.Structured.ThreadID == "" || got.Structured.ThreadID == got.First.ThreadID {
		t.Errorf("structured run's thread id = %q, want a new one (first thread %q)", got.Structured.ThreadID, got.First.ThreadID)
	}

	// The requests, as the model saw them.
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("the model received %d requests, want 4", len(reqs))
	}
	for i, r := range reqs {
		if r.Wire() != "responses" {
			t.Errorf("request %d went to %s, want the Responses API", i+1, r.Path)
		}
		if auth := r.Header.Get("Authorization"); auth != "Bearer sk-test" {
			t.Errorf("request %d Authorization = %q, want the SDK's apiKey (CODEX_API_KEY)", i+1, auth)
		}
		want := "low"
		if i == 3 {
			want = "max" // any effort Codex accepts is passed on
		}
		if effort := nested(r.Body, "reasoning", "effort"); effort != want {
			t.Errorf("request %d reasoning.effort = %v, want %s (modelReasoningEffort)", i+1, effort, want)
		}
	}
	// The thread options reached kodex: the SDK passes them as --cd,
	// --sandbox and -c overrides, and kodex describes them to the model.
	env := ""
	if in := reqs[0].Input(); len(in) > 0 {
		env = in[0].Text()
	}
	for _, want := range []string{
		"<cwd>" + work + "</cwd>",
		"<approval_policy>never</approval_policy>",
		"<sandbox_mode>workspace-write</sandbox_mode>",
		"<network_access>restricted</network_access>",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("request 1's environment context lacks %s:\n%s", want, env)
		}
	}
	if !reqs[1].EndsWithToolOutput() || reqs[1].LastToolOutput() == "" || !strings.Contains(reqs[1].LastToolOutput(), "from-kodex") {
		t.Errorf("request 2 does not end with the shell call's output; last tool output %q", reqs[1].LastToolOutput())
	}
	// The resumed run carries the first turn's history.
	resumed := reqs[2]
	in := resumed.Input()
	if !hasItem(in, func(it model.Item) bool {
		return it.Type == model.ItemMessage && it.Role == "user" && strings.Contains(it.Text(), "first")
	}) {
		t.Errorf("request 3 (resumed) lacks the first user prompt; its input:\n%s", inputOf(resumed))
	}
	if !hasItem(in, func(it model.Item) bool { return it.Type == model.ItemFunctionCall && it.Name == "shell" }) {
		t.Errorf("request 3 (resumed) lacks the first turn's function_call; its input:\n%s", inputOf(resumed))
	}
	if !hasItem(in, func(it model.Item) bool {
		return it.Type == model.ItemFunctionCallOutput && strings.Contains(it.Output, "from-kodex")
	}) {
		t.Errorf("request 3 (resumed) lacks the first turn's function_call_output; its input:\n%s", inputOf(resumed))
	}
	if !hasItem(in, func(it model.Item) bool {
		return it.Type == model.ItemMessage && it.Role == "assistant" && it.Text() == "first answer"
	}) {
		t.Errorf("request 3 (resumed) lacks the first answer; its input:\n%s", inputOf(resumed))
	}
	if !hasItem(in, func(it model.Item) bool {
		return it.Type == model.ItemMessage && it.Role == "user" && strings.Contains(it.Text(), "second")
	}) {
		t.Errorf("request 3 (resumed) lacks the second prompt; its input:\n%s", inputOf(resumed))
	}
	// Usage is the thread's, as in Codex: the resumed run's includes the
	// first run's two responses (per run, it would be one response's, less).
	if f, s := got.First.Usage, got.Second.Usage; f != nil && s != nil && s.InputTokens <= f.InputTokens {
		t.Errorf("resumed run's input_tokens = %d, first run's %d: want the thread's cumulative usage", s.InputTokens, f.InputTokens)
	}
	// The output schema reaches the model as text.format json_schema.
	structured := reqs[3]
	if !hasItem(structured.Input(), func(it model.Item) bool {
		if it.Type != model.ItemMessage || it.Role != "user" {
			return false
		}
		for _, p := range it.Content {
			if p.Type == model.PartInputImage && strings.HasPrefix(p.ImageURL, "data:image/png;base64,") {
				return true
			}
		}
		return false
	}) {
		t.Errorf("request 4 lacks the attached image as an input_image; its input:\n%s", inputOf(structured))
	}
	if typ := nested(structured.Body, "text", "format", "type"); typ != "json_schema" {
		t.Errorf("request 4 text.format.type = %v, want json_schema; text = %v", typ, nested(structured.Body, "text"))
	}
	if req := nested(structured.Body, "text", "format", "schema", "required"); req == nil {
		t.Errorf("request 4 text.format.schema lacks the SDK's schema; text = %v", nested(structured.Body, "text"))
	}
	if hasItem(structured.Input(), func(it model.Item) bool { return it.Type == model.ItemFunctionCallOutput }) {
		t.Errorf("request 4 (a new thread) carries another thread's history; its input:\n%s", inputOf(structured))
	}
	for i, r := range reqs[:3] {
		if nested(r.Body, "text", "format") != nil {
			t.Errorf("request %d has a text.format without an output schema: %v", i+1, nested(r.Body, "text"))
		}
	}
}

// nested walks JSON objects by key and returns the value, or nil.
func nested(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// inputOf renders a request's input items, one per line, for failure
// messages (the whole body would bury them under instructions and tools).
func inputOf(r modeltest.Request) string {
	var b strings.Builder
	for _, it := range r.Input() {
		line, _ := json.Marshal(it)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func hasItem(items []model.Item, f func(model.Item) bool) bool {
	return slices.ContainsFunc(items, f)
}
