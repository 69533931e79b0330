package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// plantScript plants a commondir (pointing git at a config whose fsmonitor
// runs a program) and swaps HEAD so that git would take the work tree itself
// for a repository with a planted config. Markers go to $1.
const plantScript = `set -e
mkdir -p evil/objects evil/refs
printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch %s/pwned-commondir"\n' "$1" > evil/config
echo ../evil > .git/commondir
mkdir -p objects refs/heads
echo 'ref: refs/heads/main' > HEAD
printf '[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = %s\n\tfsmonitor = "touch %s/pwned-head"\n' "$PWD" "$1" > config
echo garbage > .git/HEAD
`

// TestTUIDiffRunsNothingPlanted runs the real binary in a pseudo-terminal
// with no sandbox at all (danger-full-access), so nothing undoes what the
// model's command plants: kodex's own diff view must still run nothing the
// repository now names — it refuses the changed layout and says so.
func TestTUIDiffRunsNothingPlanted(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	markers := t.TempDir()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "call_1", Name: "shell", Arguments: `{"command": ["sh", "plant.sh", "` + markers + `"]}`}),
		modeltest.Text("Planted."),
	)
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n")
	if err := os.RemoveAll(filepath.Join(fx.project, ".git")); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.email=a@b", "-c", "user.name=t"}, args...)...)
		cmd.Dir = fx.project
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(fx.project, "a.txt"), []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	git("add", "a.txt")
	git("commit", "-qm", "init")
	if err := os.WriteFile(filepath.Join(fx.project, "a.txt"), []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.project, "plant.sh"), []byte(plantScript), 0o644); err != nil {
		t.Fatal(err)
	}
	tui := startTUI(t, fx.project, fx.home, 140, 30, "-s", "danger-full-access", "-a", "never")
	term, wait := tui.term, tui.wait
	wait("danger-full-access")
	_ = term.Type("plant it")
	_ = term.Press("enter")
	wait("Planted.")
	if _, err := os.Stat(filepath.Join(fx.project, ".git/commondir")); err != nil {
		t.Fatalf("the plant did not happen (nothing to defend against): %v", err)
	}
	_ = term.Type("/diff")
	_ = term.Press("enter")
	all := wait("changed since the session started")
	for _, m := range []string{"pwned-commondir", "pwned-head"} {
		if _, err := os.Stat(filepath.Join(markers, m)); err == nil {
			t.Errorf("the diff view ran the planted program (%s)\nterminal:\n%s", m, all)
		}
	}
	tui.quit()
	// The same plant, unconfined, does run with a plain git: the attack is real.
	plain := exec.Command("git", "status")
	plain.Dir = fx.project
	_ = plain.Run()
	if _, err := os.Stat(filepath.Join(markers, "pwned-commondir")); err != nil {
		if _, err := os.Stat(filepath.Join(markers, "pwned-head")); err != nil {
			t.Errorf("a plain git status ran nothing planted either: the test proves nothing")
		}
	}
}
