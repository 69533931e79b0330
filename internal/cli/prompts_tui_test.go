package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

const reviewAnswer = `{"findings": [{"title": "[P1] Subtract in Add", "body": "Add returns a - b; callers expect a sum.", "confidence_score": 0.9, "priority": 1, "code_location": {"absolute_file_path": "/repo/calc.go", "line_range": {"start": 3, "end": 4}}}], "overall_correctness": "patch is incorrect", "overall_explanation": "Add now subtracts.", "overall_confidence_score": 0.85}`

// TestTUICustomPromptsAndReview drives the real binary in a pseudo-terminal:
// custom prompts from $KODEX_HOME/prompts appear in the slash popup, expand
// their arguments and are sent; a missing named argument is shown as an
// error and nothing is sent; /review sends the diff to a read-only reviewer
// and shows the findings.
func TestTUICustomPromptsAndReview(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("Noted the PR."), modeltest.Text("Fixed it."), modeltest.Text(reviewAnswer))
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n")
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(fx.home, "prompts", "fix.md"), "---\ndescription: Fix an issue\nargument-hint: ISSUE\n---\nFix issue #$1 ($ARGUMENTS).\n")
	write(filepath.Join(fx.home, "prompts", "pr.md"), "Review $USER's work on $BRANCH.\n")
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
	write(filepath.Join(fx.project, "calc.go"), "package calc\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n")
	git("init", "-q")
	git("add", "calc.go")
	git("commit", "-qm", "init")
	write(filepath.Join(fx.project, "calc.go"), "package calc\n\nfunc Add(a, b int) int {\n\treturn a - b\n}\n")

	tui := startTUI(t, fx.project, fx.home, 120, 40)
	term, wait := tui.term, tui.wait
	wait("workspace-write")

	_ = term.Type("/pr USER=ann")
	_ = term.Press("enter")
	wait("Missing required arguments for /pr: BRANCH")
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the model got %d requests after an argument error", n)
	}
	_ = term.Type(" BRANCH=main")
	_ = term.Press("enter")
	wait("Noted the PR.")

	_ = term.Type("/fi")
	wait("Fix an issue ISSUE")
	_ = term.Type("x 12 urgent")
	_ = term.Press("enter")
	wait("Fixed it.")

	_ = term.Type("/review")
	_ = term.Press("enter")
	wait("What should be reviewed?")
	_ = term.Press("enter")           // uncommitted changes
	all := wait("Add now subtracts.") // the last row of the review cell
	for _, want := range []string{"Review of current changes (1 finding)", "[P1] Subtract in Add", "/repo/calc.go:3-4", "Verdict: patch is incorrect (confidence 0.85)"} {
		if !strings.Contains(all, want) {
			t.Errorf("screen lacks %q:\n%s", want, all)
		}
	}
	tui.quit()

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("the model got %d requests, want 3", len(reqs))
	}
	for i, want := range []string{
		`Review ann's work on main.`,
		`Fix issue #12 (12 urgent).`,
		`-\treturn a + b\n+\treturn a - b`,
	} {
		if !strings.Contains(string(reqs[i].Raw), want) {
			t.Errorf("request %d lacks %q:\n%s", i+1, want, reqs[i].Raw)
		}
	}
	review := string(reqs[2].Raw)
	for _, want := range []string{`"type":"json_schema"`, "read-only"} {
		if !strings.Contains(review, want) {
			t.Errorf("the review request lacks %q", want)
		}
	}
	if strings.Contains(review, "Noted the PR.") {
		t.Error("the review request carries the conversation; it runs apart from it")
	}
}
