package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
	"github.com/kodex-cli/kodex/internal/frontend/review"
)

var testPrompts = []prompts.Prompt{
	{Name: "fix", Description: "Fix an issue", ArgumentHint: "ISSUE [NOTES]", Body: "Fix issue #$1 ($ARGUMENTS); cost $$5."},
	{Name: "init", Body: "My own init"},
	{Name: "pr", ArgumentHint: "USER=… BRANCH=…", Body: "Review $USER's work on $BRANCH"},
}

func TestCustomPromptPositional(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Prompts: testPrompts})
	h.typeText(`/fix 12 "the parser"`)
	h.key("enter")
	wantOps(t, h.sink, userTurn("Fix issue #12 (12 the parser); cost $$5."))
}

func TestCustomPromptNamed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Prompts: testPrompts})
	h.typeText(`/pr USER=ann BRANCH="feat x"`)
	h.key("enter")
	wantOps(t, h.sink, userTurn("Review ann's work on feat x"))

	// A missing named argument is an error shown here, nothing is sent,
	// and what was typed stays to be fixed.
	h.typeText("/pr USER=ann")
	h.key("enter")
	wantOps(t, h.sink)
	sb := h.scrollback()
	if !strings.Contains(sb, "Missing required arguments for /pr: BRANCH (give them as NAME=value; quote") {
		t.Errorf("no error notice:\n%s", sb)
	}
	if !strings.Contains(sb, "Usage: /pr USER=… BRANCH=…") {
		t.Errorf("no usage hint:\n%s", sb)
	}
	if f := h.frame(); !strings.Contains(f, "/pr USER=ann") {
		t.Errorf("the typed command is lost:\n%s", f)
	}
}

func TestCustomPromptBuiltinWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Prompts: testPrompts})
	h.typeText("/init")
	h.key("enter")
	wantOps(t, h.sink, userTurn(initPrompt))
	h.typeText("/prompts:init")
	h.key("enter")
	wantOps(t, h.sink, userTurn("My own init"))
	h.typeText("/prompts:fix 7")
	h.key("enter")
	wantOps(t, h.sink, userTurn("Fix issue #7 (7); cost $$5."))
}

func TestCustomPromptPopup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Prompts: testPrompts})
	h.typeText("/")
	got := h.m.popup.items
	for _, want := range []popupItem{
		{label: "/fix", desc: "Fix an issue ISSUE [NOTES]"},
		{label: "/prompts:init", desc: "custom prompt; /init is built in · My own init"},
		{label: "/pr", desc: "Review $USER's work on $BRANCH USER=… BRANCH=…"},
	} {
		found := false
		for _, it := range got {
			found = found || it == want
		}
		if !found {
			t.Errorf("popup lacks %+v: %+v", want, got)
		}
	}
	if got[0].label != "/model" {
		t.Errorf("built-in commands do not come first: %+v", got)
	}
	h.typeText("prompts:i")
	if it := h.m.popup.items; len(it) != 1 || it[0].label != "/prompts:init" {
		t.Errorf("popup for /prompts:i = %+v", it)
	}
	for range "prompts:i" {
		h.key("backspace")
	}

	// Choosing a prompt with named placeholders fills in its NAME="" pairs
	// rather than sending it bare.
	h.key("backspace")
	h.typeText("/pr")
	if it := h.m.popup.items; len(it) != 1 || it[0].label != "/pr" {
		t.Fatalf("popup for /pr = %+v", it)
	}
	h.key("enter")
	wantOps(t, h.sink)
	if got, want := h.m.composer.value(), `/pr USER="" BRANCH=""`; got != want {
		t.Errorf("composer = %q, want %q", got, want)
	}
}

// fakeReviewer records the targets it is asked to review.
type fakeReviewer struct {
	targets []review.Target
	out     review.Output
	err     error
}

func (f *fakeReviewer) review(_ context.Context, t review.Target) (review.Target, review.Output, error) {
	f.targets = append(f.targets, t)
	if t.Kind == review.Commit {
		t.CommitTitle = "add the feature"
	}
	return t, f.out, f.err
}

func p1() *int { i := 1; return &i }

var reviewOutput = review.Output{
	Findings: []review.Finding{{
		Title: "[P1] Subtract in Add", Body: "`Add` returns `a - b`; callers expect a sum.", Priority: p1(),
		CodeLocation: review.Location{AbsoluteFilePath: "/repo/calc.go", LineRange: review.LineRange{Start: 3, End: 4}},
	}},
	OverallCorrectness: "patch is incorrect", OverallExplanation: "Add now subtracts.", OverallConfidenceScore: 0.85,
}

func TestReviewCommand(t *testing.T) {
	t.Parallel()
	fr := &fakeReviewer{out: reviewOutput}
	h := newHarness(t, Options{Review: fr.review, Cwd: "/repo"})
	h.typeText("/review focus on errors")
	h.run(h.key("enter"))
	wantOps(t, h.sink) // the session is not asked anything
	sb := h.scrollback()
	for _, want := range []string{
		"Reviewing focus on errors…",
		"Review of focus on errors (1 finding)",
		"[P1] Subtract in Add",
		"calc.go:3-4",
		"Verdict: patch is incorrect (confidence 0.85)",
		"Add now subtracts.",
	} {
		if !strings.Contains(sb, want) {
			t.Errorf("scrollback lacks %q:\n%s", want, sb)
		}
	}

	// No arguments: a picker; the first entry reviews the uncommitted changes.
	h.typeText("/review")
	h.key("enter")
	if _, ok := h.m.overlay.(*picker); !ok {
		t.Fatal("no picker after /review")
	}
	h.run(h.key("enter"))
	h.typeText("/review --commit abc123 naming")
	h.run(h.key("enter"))
	want := []review.Target{
		{Kind: review.Custom, Instructions: "focus on errors"},
		{Kind: review.Uncommitted},
		{Kind: review.Commit, Commit: "abc123", Instructions: "naming"},
	}
	if diff := cmp.Diff(want, fr.targets); diff != "" {
		t.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
	if sb := h.scrollback(); !strings.Contains(sb, "Review of commit abc123: add the feature") {
		t.Errorf("the completed target is not shown:\n%s", sb)
	}

	fr.err = review.ErrNothingToReview
	h.typeText("/review --base main")
	h.run(h.key("enter"))
	if sb := h.scrollback(); !strings.Contains(sb, "Nothing to review: no changes against 'main'.") {
		t.Errorf("no nothing-to-review notice:\n%s", sb)
	}

	h2 := newHarness(t, Options{})
	h2.typeText("/review")
	h2.key("enter")
	if sb := h2.scrollback(); !strings.Contains(sb, "/review is not available") {
		t.Errorf("no unavailable notice:\n%s", sb)
	}
}

func TestReviewCellGolden(t *testing.T) {
	t.Parallel()
	out := reviewOutput
	out.Findings = append(out.Findings, review.Finding{
		Title: "Check the error \x1b]52;c;aGk=\x07", Body: "The error from `Close` is dropped, which hides a failed write on some file systems; return it.",
		CodeLocation: review.Location{AbsoluteFilePath: "/elsewhere/y.go", LineRange: review.LineRange{Start: 9, End: 9}},
	})
	c := &reviewCell{target: review.Target{Kind: review.BaseBranch, Branch: "main"}, out: out, cwd: "/repo"}
	golden(t, "review_cell", ansi.Strip(c.render(60)))
}

func TestReviewPickers(t *testing.T) {
	t.Parallel()
	fr := &fakeReviewer{out: reviewOutput}
	var gitArgs [][]string
	git := func(_ context.Context, args ...string) ([]byte, error) {
		gitArgs = append(gitArgs, args)
		if args[0] == "log" {
			return []byte("0123456789abcdef\tadd the feature\nfedcba9876543210\tfirst\n"), nil
		}
		return []byte("main\nfeature\n"), nil
	}
	h := newHarness(t, Options{Review: fr.review, Git: git})
	h.typeText("/review")
	h.key("enter")
	h.key("down")
	h.run(h.key("enter")) // against a base branch: lists the branches
	p, ok := h.m.overlay.(*picker)
	if !ok || len(p.items) != 2 || p.items[1].label != "feature" {
		t.Fatalf("branch picker = %+v", h.m.overlay)
	}
	h.key("down")
	h.run(h.key("enter"))

	h.typeText("/review")
	h.key("enter")
	h.key("down")
	h.key("down")
	h.run(h.key("enter")) // a commit: lists recent commits
	p, ok = h.m.overlay.(*picker)
	if !ok || len(p.items) != 2 || p.items[0] != (popupItem{label: "0123456", desc: "add the feature"}) {
		t.Fatalf("commit picker = %+v", h.m.overlay)
	}
	h.run(h.key("enter"))

	want := []review.Target{
		{Kind: review.BaseBranch, Branch: "feature"},
		{Kind: review.Commit, Commit: "0123456789abcdef"},
	}
	if diff := cmp.Diff(want, fr.targets); diff != "" {
		t.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
	if len(gitArgs) != 2 || gitArgs[0][0] != "for-each-ref" || gitArgs[1][0] != "log" {
		t.Errorf("git ran %v", gitArgs)
	}
}
