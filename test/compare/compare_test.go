//go:build linux

package compare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"

	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the real Codex CLI for the side-by-side test"

// inNetns is set in the re-executed test process that runs inside its own
// network namespace (loopback only: neither CLI can reach anything else).
const inNetns = "KODEX_COMPARE_IN_NETNS"

// The model both CLIs are told to use: one Codex 0.169 has metadata for, so
// it offers its usual tools (exec_command, freeform apply_patch) and warns
// about nothing.
const testModel = "gpt-5.5"

// side is one of the two CLIs.
type side string

const (
	codexSide side = "codex"
	kodexSide side = "kodex"
)

// usage100 is the usage every scripted response reports, so that the
// thread totals the two CLIs print can be compared exactly.
var usage100 = &model.Usage{InputTokens: 100, OutputTokens: 10}

func text(s string) modeltest.Response {
	return modeltest.Response{Text: s, Usage: usage100}
}

// shellCall is the model running cmd with the shell tool each CLI offers:
// Codex's exec_command {cmd}, kodex's shell {command: argv}.
func shellCall(s side, cmd string) modeltest.Response {
	var c modeltest.Call
	if s == codexSide {
		args, _ := json.Marshal(map[string]string{"cmd": cmd})
		c = modeltest.FunctionCall("exec_command", string(args))
	} else {
		args, _ := json.Marshal(map[string][]string{"command": {"bash", "-lc", cmd}})
		c = modeltest.FunctionCall("shell", string(args))
	}
	c.CallID = "call_shell"
	return modeltest.Response{Calls: []modeltest.Call{c}, Usage: usage100}
}

// patchCall is the model calling apply_patch: the freeform (custom) tool,
// which both offer gpt-5.5.
func patchCall(patch string) modeltest.Response {
	c := modeltest.CustomCall("apply_patch", patch)
	c.CallID = "call_patch"
	return modeltest.Response{Calls: []modeltest.Call{c}, Usage: usage100}
}

type scenario struct {
	name string
	args []string // extra exec flags, to both
	// prompts: the first starts a thread, each later one resumes it.
	prompts []string
	// script returns the model's responses for one side.
	script func(side) []modeltest.Response
	// failed: the run ends with a non-zero exit (both must agree).
	failed bool
	// provider: more keys for [model_providers.fake].
	provider string
	// model is the model both are told to use (default testModel);
	// config, top-level config keys for both.
	model, config string
}

var scenarios = []scenario{
	{
		name: "answer", prompts: []string{"say hello"},
		script: func(side) []modeltest.Response { return []modeltest.Response{text("Hello.")} },
	},
	{
		name: "command succeeds and fails", prompts: []string{"run them"},
		script: func(s side) []modeltest.Response {
			return []modeltest.Response{
				shellCall(s, "echo ok"),
				shellCall(s, "echo oops >&2; exit 3"),
				text("One passed, one failed."),
			}
		},
	},
	{
		name: "patch applies", args: []string{"-s", "workspace-write"}, prompts: []string{"add a file"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{
				patchCall("*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n"),
				text("Added hello.txt."),
			}
		},
	},
	{
		name: "patch fails", args: []string{"-s", "workspace-write"}, prompts: []string{"edit a missing file"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{
				patchCall("*** Begin Patch\n*** Update File: missing.txt\n@@\n-a\n+b\n*** End Patch\n"),
				text("The file does not exist."),
			}
		},
	},
	{
		name: "reasoning", prompts: []string{"think first"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{{Reasoning: "Considering the question.", Text: "Answer.", Usage: usage100}}
		},
	},
	{
		name: "resume three times", prompts: []string{"one", "two", "three"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{text("First."), text("Second."), text("Third.")}
		},
	},
	{
		name: "server error storm", prompts: []string{"hello"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{
				modeltest.HTTPError(500, "server_error", "boom"),
				modeltest.HTTPError(500, "server_error", "boom"),
				text("Recovered."),
			}
		},
	},
	{
		// Codex 0.169 retries a 401 as a broken stream (stream_max_retries
		// times, then "high demand"); kodex does not retry a bad key. With
		// no retries the two agree.
		name: "unauthorized", prompts: []string{"hello"}, failed: true,
		provider: "request_max_retries = 0\nstream_max_retries = 0\n",
		script: func(side) []modeltest.Response {
			return []modeltest.Response{modeltest.HTTPError(401, "invalid_api_key", "Incorrect API key provided")}
		},
	},
	{
		name: "cut stream", prompts: []string{"hello"},
		script: func(side) []modeltest.Response {
			return []modeltest.Response{modeltest.CutAfter(3, text("partial answer")), text("Whole answer.")}
		},
	},
}

// TestCodexSideBySide runs every scenario through the real Codex CLI and
// kodex, each against its own scripted model, and compares what
// `exec --json` printed, event by event, after normalize (which removes
// exactly the differences docs/exec-json.md documents).
func TestCodexSideBySide(t *testing.T) {
	if os.Getenv(inNetns) == "" {
		runInNetns(t)
		return
	}
	if err := loopbackUp(); err != nil {
		t.Fatalf("bringing up loopback in the test's network namespace: %v", err)
	}
	codex, kodex := os.Getenv("KODEX_COMPARE_CODEX"), os.Getenv("KODEX_COMPARE_KODEX")
	for _, sc := range scenarios {
		t.Run(strings.ReplaceAll(sc.name, " ", "_"), func(t *testing.T) {
			got := map[side]run{}
			for _, s := range []side{codexSide, kodexSide} {
				bin := kodex
				if s == codexSide {
					bin = codex
				}
				got[s] = runScenario(t, s, bin, sc)
			}
			c, k := got[codexSide], got[kodexSide]
			if (c.exit != 0) != sc.failed || (k.exit != 0) != sc.failed {
				t.Errorf("exit codes: codex %d, kodex %d; want both %s", c.exit, k.exit, map[bool]string{true: "non-zero", false: "zero"}[sc.failed])
			}
			if diff := cmp.Diff(normalize(t, codexSide, c), normalize(t, kodexSide, k)); diff != "" {
				t.Errorf("exec --json differs (-codex +kodex):\n%s\ncodex:\n%s\ncodex stderr:\n%s\nkodex:\n%s\nkodex stderr:\n%s",
					diff, c.events, tail(c.stderr), k.events, tail(k.stderr))
			}
		})
	}
	for _, sc := range toolScenarios() {
		t.Run("tools/"+strings.ReplaceAll(sc.name, " ", "_"), func(t *testing.T) {
			compareTools(t, runScenario(t, codexSide, codex, sc), runScenario(t, kodexSide, kodex, sc))
		})
	}
}

// runInNetns builds kodex, finds Codex and re-runs this test in a new
// network namespace (as root, or mapped to root in a user namespace).
func runInNetns(t *testing.T) {
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	codex := codexBinary(here)
	if _, err := os.Stat(codex); err != nil {
		t.Fatalf("the Codex CLI is not installed (%v): %s", err, depsHint)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is not on PATH (%v): %s", err, depsHint)
	}
	tmp := t.TempDir()
	kodex := filepath.Join(tmp, "kodex")
	buildCtx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	build := exec.CommandContext(buildCtx, testkit.GoTool(), "build", "-o", kodex, "./cmd/kodex")
	build.Dir = filepath.Join(here, "..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}
	flags := "-n"
	if os.Geteuid() != 0 {
		flags = "-rn"
	}
	args := []string{flags, "--", os.Args[0], "-test.run=^TestCodexSideBySide$", "-test.v"}
	ctx, cancelRun := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancelRun()
	cmd := exec.CommandContext(ctx, unshare, args...)
	cmd.Env = append(os.Environ(), inNetns+"=1", "KODEX_COMPARE_CODEX="+codex, "KODEX_COMPARE_KODEX="+kodex)
	out, err := cmd.CombinedOutput()
	t.Logf("in a network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the side-by-side run failed: %v", err)
	}
}

// run is what one CLI printed for a scenario.
type run struct {
	work   string // the repository it ran in
	events []byte // stdout of every exec, concatenated
	stderr []byte
	exit   int // of the last exec
	// requests are the bodies the model received.
	requests []modeltest.Request
}

func runScenario(t *testing.T, s side, bin string, sc scenario) run {
	t.Helper()
	dir := t.TempDir()
	work, home, tmp := filepath.Join(dir, "ws"), filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	for _, d := range []string{work, home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	git(t, work, home, "init", "-q")
	if err := os.WriteFile(filepath.Join(work, "README.md"), []byte("# demo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	git(t, work, home, "add", ".")
	git(t, work, home, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")

	srv := modeltest.New(t, sc.script(s)...)
	modelName := sc.model
	if modelName == "" {
		modelName = testModel
	}
	// The same Codex config.toml for both: kodex reads Codex's keys.
	cfg := fmt.Sprintf(`check_for_update_on_startup = false
model = %q
model_provider = "fake"
%s

[analytics]
enabled = false

# Codex's sandbox leaves empty mount points (.git, .codex, .agents, .aws) in
# its writable roots: keep the shared temporary directories out of them.
[sandbox_workspace_write]
exclude_slash_tmp = true
exclude_tmpdir_env_var = true

[model_providers.fake]
name = "fake"
base_url = %q
env_key = "FAKE_API_KEY"
wire_api = "responses"
%s`, modelName, sc.config, srv.URL(), sc.provider)
	cfgHome := filepath.Join(home, ".kodex")
	homeVar := "KODEX_HOME"
	if s == codexSide {
		cfgHome, homeVar = filepath.Join(home, ".codex"), "CODEX_HOME"
	}
	if err := os.MkdirAll(cfgHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgHome, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp, "NO_COLOR=1",
		homeVar + "=" + cfgHome, "FAKE_API_KEY=sk-test",
	}

	r := run{work: work}
	thread := ""
	for i, prompt := range sc.prompts {
		args := append([]string{"exec", "--json"}, sc.args...)
		if i > 0 {
			args = append(args, "resume", thread)
		}
		args = append(args, prompt)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = work, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		r.events = append(r.events, stdout.Bytes()...)
		r.stderr = append(r.stderr, stderr.Bytes()...)
		r.exit = 0
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			r.exit = ee.ExitCode()
		case err != nil:
			t.Fatalf("%s %v: %v", s, args, err)
		}
		if i == 0 {
			thread = threadID(stdout.Bytes())
			if thread == "" && len(sc.prompts) > 1 {
				t.Fatalf("%s printed no thread.started:\n%s\n%s", s, stdout.Bytes(), stderr.Bytes())
			}
		}
	}
	r.requests = srv.Requests()
	return r
}

func threadID(events []byte) string {
	for _, l := range bytes.Split(events, []byte("\n")) {
		var ev struct {
			Type     string `json:"type"`
			ThreadID string `json:"thread_id"`
		}
		if json.Unmarshal(l, &ev) == nil && ev.Type == "thread.started" {
			return ev.ThreadID
		}
	}
	return ""
}

// normalize renders events as comparable lines, removing the documented
// differences (docs/exec-json.md, "Compared with Codex"):
//  1. thread.started: the thread id (random) and kodex's additive
//     schema_version.
//  2. command_execution.command: Codex shows its exec_command's shell
//     wrapper, kodex the argv the model gave shell.
//  3. kodex also reports HTTP retries ("Reconnecting... n/N (server
//     error…)"); Codex reports only stream retries. Retry messages are
//     compared up to the reason, whose wording is each CLI's own.
//  4. Error and failure messages are each CLI's own wording: only their
//     presence is compared.
//  5. A patch that fails before anything is written: kodex reports a
//     failed file_change item (the user sees the failed edit); Codex
//     reports nothing. Item ids are renumbered after it is removed.
//
// Paths inside the repository are shown relative to it ($WS).
func normalize(t *testing.T, s side, r run) []string {
	t.Helper()
	var out []string
	ids := map[string]string{}
	for _, l := range bytes.Split(bytes.TrimSpace(r.events), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		l = bytes.ReplaceAll(l, []byte(r.work), []byte("$WS"))
		var ev map[string]any
		if err := json.Unmarshal(l, &ev); err != nil {
			t.Fatalf("%s printed a line that is not JSON: %s", s, l)
		}
		typ, _ := ev["type"].(string)
		switch typ {
		case "thread.started":
			delete(ev, "thread_id")
			delete(ev, "schema_version")
		case "error":
			msg, _ := ev["message"].(string)
			if s == kodexSide && strings.HasPrefix(msg, "Reconnecting... ") && !strings.Contains(msg, "(broken stream") {
				continue // 3
			}
			if i := strings.Index(msg, " ("); strings.HasPrefix(msg, "Reconnecting... ") && i > 0 {
				ev["message"] = msg[:i] + " (…)"
			} else {
				ev["message"] = "…"
			}
		case "turn.failed":
			ev["error"] = "…"
		}
		if it, ok := ev["item"].(map[string]any); ok {
			switch it["type"] {
			case "command_execution":
				delete(it, "command")
			case "error":
				it["message"] = "…"
			case "file_change":
				if ch, _ := it["changes"].([]any); s == kodexSide && it["status"] == "failed" && len(ch) == 0 {
					continue // 5
				}
			}
			id, _ := it["id"].(string)
			if _, ok := ids[id]; !ok {
				ids[id] = fmt.Sprintf("item_%d", len(ids))
			}
			it["id"] = ids[id]
		}
		b, _ := json.Marshal(ev)
		out = append(out, string(b))
	}
	return out
}

func git(t *testing.T, dir, home string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// codexBinary is where npm puts the Codex CLI's native binary.
func codexBinary(here string) string {
	pkg, triple := "codex-linux-x64", "x86_64-unknown-linux-musl"
	if runtime.GOARCH == "arm64" {
		pkg, triple = "codex-linux-arm64", "aarch64-unknown-linux-musl"
	}
	return filepath.Join(here, "node_modules", "@openai", pkg, "vendor", triple, "bin", "codex")
}

// loopbackUp sets "lo" up in this process's network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

func tail(b []byte) string {
	const n = 2000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
