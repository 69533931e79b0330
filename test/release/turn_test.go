package release_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// checkInstalled runs `kodex --version` and one `kodex exec --json` turn (a
// sandboxed shell call, then an answer) against the scripted model through
// entry, an installed command (the binary itself, or a launcher), with argv
// prefix pre (e.g. python -m kodex_cli).
func checkInstalled(t *testing.T, entry string, pre ...string) {
	t.Helper()
	commit, err := headCommit()
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	repo, home := filepath.Join(tmp, "repo"), filepath.Join(tmp, "home")
	for _, d := range []string{repo, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "KODEX_HOME=" + filepath.Join(home, ".kodex"),
		"TMPDIR=" + tmp, "NO_COLOR=1", "OPENAI_API_KEY=test",
	}
	run := func(args ...string) string {
		t.Helper()
		argv := append(append(append([]string{}, pre...), entry), args...)
		cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
		cmd.Env = env
		cmd.WaitDelay = 10 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return string(out)
	}

	if v := run("--version"); !strings.HasPrefix(v, "kodex ") || !strings.Contains(v, commit[:12]) {
		t.Errorf("kodex --version = %q, want the release's version and commit %.12s", v, commit)
	}

	git := exec.Command("git", "init", "-q", repo)
	git.Env = env
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["echo","from-installed-kodex"]}`)),
		modeltest.Text("installed and working"),
	)
	out := run("exec", "--json", "--full-auto", "--ephemeral", "-C", repo,
		"-c", `openai_base_url="`+srv.URL()+`"`, "say hi")
	for _, want := range []string{`"type":"turn.completed"`, `from-installed-kodex`, `installed and working`} {
		if !strings.Contains(out, want) {
			t.Errorf("kodex exec --json output lacks %s:\n%s", want, out)
		}
	}
}
