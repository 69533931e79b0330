package review

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func intp(i int) *int { return &i }

var sample = Output{
	Findings: []Finding{
		{
			Title: "[P1] Close the file on the error path", Body: "`f` leaks when `Decode` fails.\nEvery call leaks a descriptor.",
			ConfidenceScore: 0.9, Priority: intp(1),
			CodeLocation: Location{AbsoluteFilePath: "/repo/internal/x.go", LineRange: LineRange{Start: 12, End: 14}},
		},
		{
			Title: "Check the error", Body: "The error is dropped.", ConfidenceScore: 0.5,
			CodeLocation: Location{AbsoluteFilePath: "/elsewhere/y.go", LineRange: LineRange{Start: 3, End: 3}},
		},
	},
	OverallCorrectness:     "patch is incorrect",
	OverallExplanation:     "A descriptor leaks on every failed decode.",
	OverallConfidenceScore: 0.8,
}

func TestParse(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       Output
	}{
		{"json", string(b), sample},
		{"wrapped in prose", "Here it is:\n```json\n" + string(b) + "\n```\nDone.", sample},
		{"not json", "Looks fine to me.", Output{OverallExplanation: "Looks fine to me."}},
		{"broken json", "{\"findings\": [", Output{OverallExplanation: "{\"findings\": ["}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Parse(tt.text)); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	got := Format(Target{Kind: BaseBranch, Branch: "main"}, sample, "/repo")
	want := `Review of changes against 'main': 2 findings

[P1] Close the file on the error path
  internal/x.go:12-14
  ` + "`f` leaks when `Decode` fails." + `
  Every call leaks a descriptor.

Check the error
  /elsewhere/y.go:3
  The error is dropped.

Verdict: patch is incorrect (confidence 0.80)
A descriptor leaks on every failed decode.
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Format mismatch (-want +got):\n%s", diff)
	}
	if got, want := Format(Target{}, Output{}, ""), "Review of current changes: no findings\n\nReviewer failed to output a response.\n"; got != want {
		t.Errorf("Format(empty) = %q, want %q", got, want)
	}
}

func TestCodexText(t *testing.T) {
	t.Parallel()
	want := "A descriptor leaks on every failed decode.\n\nFull review comments:\n\n" +
		"- [P1] Close the file on the error path — /repo/internal/x.go:12-14\n  `f` leaks when `Decode` fails.\n  Every call leaks a descriptor.\n\n" +
		"- Check the error — /elsewhere/y.go:3-3\n  The error is dropped."
	if diff := cmp.Diff(want, CodexText(sample)); diff != "" {
		t.Errorf("CodexText mismatch (-want +got):\n%s", diff)
	}
	one := Output{Findings: sample.Findings[1:]}
	if got, want := CodexText(one), "Review comment:\n\n- Check the error — /elsewhere/y.go:3-3\n  The error is dropped."; got != want {
		t.Errorf("CodexText(one) = %q, want %q", got, want)
	}
	if got := CodexText(Output{}); got != fallback {
		t.Errorf("CodexText(empty) = %q, want %q", got, fallback)
	}
}

func TestTagged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f              Finding
		tag, wantTitle string
	}{
		{Finding{Title: "[P2] Fix it"}, "P2", "Fix it"},
		{Finding{Title: "[P2] Fix it", Priority: intp(0)}, "P0", "Fix it"},
		{Finding{Title: "Fix it", Priority: intp(3)}, "P3", "Fix it"},
		{Finding{Title: "Fix it", Priority: intp(7)}, "", "Fix it"},
		{Finding{Title: "[P9] odd"}, "", "[P9] odd"},
	}
	for _, tt := range tests {
		tag, title := tt.f.Tagged()
		if tag != tt.tag || title != tt.wantTitle {
			t.Errorf("Tagged(%+v) = %q, %q; want %q, %q", tt.f, tag, title, tt.tag, tt.wantTitle)
		}
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		t    Target
		want string
	}{
		{Target{}, "current changes"},
		{Target{Kind: BaseBranch, Branch: "main"}, "changes against 'main'"},
		{Target{Kind: Commit, Commit: "0123456789abcdef", CommitTitle: "add x"}, "commit 0123456: add x"},
		{Target{Kind: Commit, Commit: "abc"}, "commit abc"},
		{Target{Kind: Custom, Instructions: "  focus on errors "}, "focus on errors"},
	} {
		if got := tt.t.Hint(); got != tt.want {
			t.Errorf("Hint(%+v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestPrompt(t *testing.T) {
	t.Parallel()
	diff := "diff --git a/x b/x\n+```go\n+x\n"
	got := Prompt(Target{Kind: Commit, Commit: "abc123", CommitTitle: "add x", Instructions: "error handling"}, diff)
	for _, want := range []string{
		"# Code review",
		`Review the changes introduced by commit abc123 ("add x"), shown below.`,
		"The user asks you to focus on: error handling",
		"````diff\n" + diff + "````\n",
		`"overall_correctness"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Prompt lacks %q:\n%s", want, got)
		}
	}
	if got := Prompt(Target{}, " \n"); !strings.Contains(got, "The diff is empty") {
		t.Errorf("Prompt of an empty diff does not say so:\n%s", got)
	}
	big := strings.Repeat("+line\n", MaxDiff/6+100)
	if got := Prompt(Target{}, big); len(got) > MaxDiff+len(rubric)+1000 || !strings.Contains(got, "The diff was cut") {
		t.Errorf("Prompt of a large diff: %d bytes, cut notice %v", len(got), strings.Contains(got, "The diff was cut"))
	}
}

func TestSchemaIsStrict(t *testing.T) {
	t.Parallel()
	var s map[string]any
	if err := json.Unmarshal([]byte(Schema), &s); err != nil {
		t.Fatalf("Schema is not JSON: %v", err)
	}
	// Strict mode: every object lists all its properties as required and
	// allows no others.
	var walk func(path string, v map[string]any)
	walk = func(path string, v map[string]any) {
		props, ok := v["properties"].(map[string]any)
		if !ok {
			if items, ok := v["items"].(map[string]any); ok {
				walk(path+"[]", items)
			}
			return
		}
		req, _ := v["required"].([]any)
		if len(req) != len(props) || v["additionalProperties"] != false {
			t.Errorf("%s: required %v of %d properties, additionalProperties %v", path, req, len(props), v["additionalProperties"])
		}
		for k, p := range props {
			walk(path+"."+k, p.(map[string]any))
		}
	}
	walk("$", s)
}
