package codexremote_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
	"github.com/kodex-cli/kodex/internal/model/modeltest"

	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the real Codex CLI (test/compare)"

// touchSources reads the module's Go files and go.mod, which the kodex
// binary this test builds is made of, so that go test's cache (which logs
// the files a test opens) reruns the test when they change.
func touchSources(root string) {
	for _, f := range []string{"go.mod", "go.sum"} {
		_, _ = os.ReadFile(filepath.Join(root, f))
	}
	for _, dir := range []string{"cmd", "internal"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				_, _ = os.ReadFile(p)
			}
			return nil
		})
	}
}

// TestCodexTUIOnKodex: Codex's TUI, started with --remote against
// `kodex app-server --listen ws://127.0.0.1:0` (capability token), sends
// the prompt, shows the command's approval, runs it once approved and
// finishes the turn: kodex as the engine under Codex's client.
func TestCodexTUIOnKodex(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (%v): %s", err, depsHint)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	codexJS := filepath.Join(root, "test", "compare", "node_modules", "@openai", "codex", "bin", "codex.js")
	if _, err := os.Stat(codexJS); err != nil {
		t.Fatalf("the Codex CLI is not installed (%v): %s", err, depsHint)
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	kodex := filepath.Join(dir, "kodex")
	touchSources(root)
	build := exec.Command(testkit.GoTool(), "build", "-o", kodex, "./cmd/kodex")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}

	// Codex's TUI also asks for a title of the thread, on a side thread and
	// at a moment of its own: the model answers by what is asked.
	srv := modeltest.NewServer(modeltest.Options{T: t, Loop: true, Script: []modeltest.Response{modeltest.Func(func(r *modeltest.Request) modeltest.Response {
		switch {
		case strings.Contains(string(r.Raw), "task title"):
			return modeltest.Text("Make a file")
		case r.EndsWithToolOutput():
			return modeltest.Text("done: the file is made")
		}
		return modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","made-by-kodex"]}`))
	})}})
	work, kodexHome, codexHome := filepath.Join(dir, "work"), filepath.Join(dir, "kodex-home"), filepath.Join(dir, "codex-home")
	for _, d := range []string{filepath.Join(work, ".git"), kodexHome, codexHome} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := "openai_base_url = \"" + srv.URL() + "\"\napproval_policy = \"untrusted\"\nsandbox_mode = \"danger-full-access\"\n"
	if err := os.WriteFile(filepath.Join(kodexHome, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte("check_for_update_on_startup = false\n[analytics]\nenabled = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const token = "kodex-codexremote-test-capability-token"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}

	server := exec.Command(kodex, "app-server", "--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", tokenFile)
	server.Dir = work
	server.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "KODEX_HOME=" + kodexHome, "OPENAI_API_KEY=sk-test"}
	stderr, err := server.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = server.Process.Signal(os.Interrupt)
		_ = server.Wait()
	})
	sc := bufio.NewScanner(stderr)
	listening := regexp.MustCompile(`listening on (ws://\S+)`)
	var url string
	for url == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("kodex app-server did not say where it listens")
	}
	go func() {
		for sc.Scan() {
		}
	}()

	tui := exec.Command(node, codexJS, "--remote", url, "--remote-auth-token-env", "KODEX_TOKEN", "make a file")
	tui.Dir = work
	tui.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "CODEX_HOME=" + codexHome, "KODEX_TOKEN=" + token,
		"TERM=xterm-256color", "TMPDIR=" + dir,
	}
	term, err := tuitest.Start(tui, 120, 40)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	const wait = 90 * time.Second
	// Codex's TUI says what it waits for in an OSC 7501 sequence, then
	// draws the question.
	if err := term.WaitForRaw(wait, "kind=permission"); err != nil {
		t.Fatalf("no approval asked: %v\nscreen:\n%s", err, term.Screen())
	}
	if _, err := term.WaitForText(wait, "Yes, proceed"); err != nil {
		t.Fatalf("the approval is not shown: %v\nscreen:\n%s", err, term.Screen())
	}
	if !strings.Contains(term.Screen(), "touch made-by-kodex") {
		t.Errorf("the approval does not show the command:\n%s", term.Screen())
	}
	// The dialog ignores keys for a moment after it opens (against
	// approving by accident): answer until it takes the answer.
	answered := false
	for range 30 {
		if err := term.Type("y"); err != nil {
			t.Fatal(err)
		}
		if _, err := term.WaitFor(time.Second, func(string) bool { return !strings.Contains(term.Screen(), "Yes, proceed") }); err == nil {
			answered = true
			break
		}
	}
	if !answered {
		t.Fatalf("the approval did not take the answer:\n%s", term.Screen())
	}
	if err := term.WaitForRaw(wait, "state=done"); err != nil {
		t.Fatalf("the turn did not finish: %v\nscreen:\n%s", err, term.Screen())
	}
	if _, err := term.WaitForText(wait, "done: the file is made"); err != nil {
		t.Errorf("the answer is not shown: %v\nscreen:\n%s", err, term.Screen())
	}
	if _, err := os.Stat(filepath.Join(work, "made-by-kodex")); err != nil {
		t.Errorf("the approved command did not run on kodex: %v", err)
	}
}
