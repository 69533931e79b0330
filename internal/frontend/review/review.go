// Package review owns kodex's code review (`kodex review`, `kodex exec
// review`, /review in the TUI) in the shape of Codex's: what is reviewed (a
// [Target]), the request the reviewing model gets (the rubric, the target,
// the diff kodex gathered, and the JSON shape to answer in: [Prompt],
// [Schema]), how its answer is read ([Parse]) and shown ([Format], and
// [CodexText], the text Codex reports as the review's agent message).
//
// It builds and reads text only: gathering the diff is internal/gitx's job,
// running the review the caller's (internal/cli runs it in a read-only
// session). It imports nothing internal, so every frontend may use it.
package review

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNothingToReview is returned by a reviewer when the target has no
// changes: there is nothing to send to the model.
var ErrNothingToReview = errors.New("nothing to review")

// Kind is what a review looks at.
type Kind int

// The kinds of target, as Codex's ReviewTarget.
const (
	Uncommitted Kind = iota // staged, unstaged and untracked changes
	BaseBranch              // what the current state would merge into a branch
	Commit                  // what one commit introduced
	Custom                  // the user's own instructions, over the uncommitted changes
)

// Target is what to review.
type Target struct {
	Kind        Kind
	Branch      string // BaseBranch: the branch as the user named it
	MergeBase   string // BaseBranch: the merge base's id
	Commit      string // Commit: the commit's id
	CommitTitle string // Commit: the first line of its message
	// Instructions are the user's own words: the whole request for Custom,
	// what to focus on for the other kinds.
	Instructions string
}

// Hint says in a few words what is reviewed, for the user ("current
// changes", "changes against 'main'", "commit 1a2b3c4: title").
func (t Target) Hint() string {
	switch t.Kind {
	case BaseBranch:
		return fmt.Sprintf("changes against '%s'", t.Branch)
	case Commit:
		short := t.Commit[:min(7, len(t.Commit))]
		if t.CommitTitle != "" {
			return fmt.Sprintf("commit %s: %s", short, t.CommitTitle)
		}
		return "commit " + short
	case Custom:
		return strings.TrimSpace(t.Instructions)
	case Uncommitted:
	}
	return "current changes"
}

// request is the sentence that says what to review.
func (t Target) request() string {
	switch t.Kind {
	case BaseBranch:
		return fmt.Sprintf("Review what would be merged into the branch '%s': the changes from the merge base %s of HEAD and %s to the working tree (committed and not yet committed), shown below.",
			t.Branch, t.MergeBase, t.Branch)
	case Commit:
		title := ""
		if t.CommitTitle != "" {
			title = fmt.Sprintf(" (%q)", t.CommitTitle)
		}
		return fmt.Sprintf("Review the changes introduced by commit %s%s, shown below.", t.Commit, title)
	case Custom:
		return "Review the current code changes (staged, unstaged and untracked files, shown below) as the user asks:\n\n" + strings.TrimSpace(t.Instructions)
	case Uncommitted:
	}
	return "Review the current code changes (staged, unstaged and untracked files), shown below."
}

// MaxDiff bounds the diff put into the request; the model is told when it
// was cut and can read the rest with its tools.
const MaxDiff = 400 << 10

// Prompt is the user message of a review: the rubric, what to review, the
// user's focus if any, and the diff.
func Prompt(t Target, diff string) string {
	var b strings.Builder
	b.WriteString(rubric)
	b.WriteString("\n\n# What to review\n\n")
	b.WriteString(t.request())
	if t.Kind != Custom && strings.TrimSpace(t.Instructions) != "" {
		b.WriteString("\n\nThe user asks you to focus on: ")
		b.WriteString(strings.TrimSpace(t.Instructions))
	}
	b.WriteString("\n\n")
	switch {
	case strings.TrimSpace(diff) == "":
		b.WriteString("The diff is empty: there is nothing to review. Say so in overall_explanation and return no findings.\n")
	default:
		cut := ""
		if len(diff) > MaxDiff {
			diff, cut = truncate(diff, MaxDiff), fmt.Sprintf("\n(The diff was cut at %d KiB; read the rest of the changed files with your tools.)\n", MaxDiff>>10)
		}
		fence := "```"
		for strings.Contains(diff, fence) {
			fence += "`"
		}
		fmt.Fprintf(&b, "%sdiff\n%s", fence, diff)
		if !strings.HasSuffix(diff, "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(fence + "\n" + cut)
	}
	return b.String()
}

// truncate cuts s to at most n bytes at a line end.
func truncate(s string, n int) string {
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i+1]
	}
	return s
}

// rubric is kodex's review guidance: what is worth flagging, how to say
// it, and the answer's shape (the one Codex's reviewers answer in).
const rubric = `# Code review

You are reviewing a change another engineer made. You can read files and run read-only commands to understand it; you cannot change anything, and you should not try.

Flag a problem only when all of this holds:
- it affects correctness, security, performance or maintainability in a way that matters;
- it is one discrete, actionable issue that this change introduced (not something that was already there);
- you can point at the code that is affected, without guessing at the author's intent or at code you have not seen;
- the author would fix it if they knew.
Leave out style nits unless they hide meaning or break the project's documented rules. Project guidelines (AGENTS.md, the user's instructions) come before these.

For each finding:
- title: at most 80 characters, imperative, starting with its priority tag, e.g. "[P1] Close the file on the error path";
- body: one short Markdown paragraph saying why it is a problem and when it happens; code quoted in backticks, no more than three lines of it; matter-of-fact, no praise;
- priority: 0 (P0, drop everything: blocks release or normal use, whatever the inputs), 1 (P1, urgent: fix in the next cycle), 2 (P2, normal: fix eventually) or 3 (P3, low: nice to have);
- confidence_score: from 0.0 to 1.0;
- code_location: the absolute path of the file and the shortest line range that shows the problem (at most about 10 lines), overlapping the diff.

Then give an overall verdict: "patch is correct" when existing code and tests will not break and there is no blocking issue (ignore nits), else "patch is incorrect"; a one to three sentence explanation; and your confidence from 0.0 to 1.0.

Answer with the JSON object alone, no Markdown fence and no other text:
{"findings": [{"title": "...", "body": "...", "confidence_score": 0.9, "priority": 1, "code_location": {"absolute_file_path": "/abs/path", "line_range": {"start": 10, "end": 12}}}], "overall_correctness": "patch is correct", "overall_explanation": "...", "overall_confidence_score": 0.8}
Return an empty findings list when there is nothing to flag.`

// Schema is the JSON schema of the answer, sent as the turn's output
// schema (strict: every property required, priority nullable).
const Schema = `{
  "type": "object",
  "properties": {
    "findings": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "title": {"type": "string"},
          "body": {"type": "string"},
          "confidence_score": {"type": "number"},
          "priority": {"type": ["integer", "null"]},
          "code_location": {
            "type": "object",
            "properties": {
              "absolute_file_path": {"type": "string"},
              "line_range": {
                "type": "object",
                "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}},
                "required": ["start", "end"],
                "additionalProperties": false
              }
            },
            "required": ["absolute_file_path", "line_range"],
            "additionalProperties": false
          }
        },
        "required": ["title", "body", "confidence_score", "priority", "code_location"],
        "additionalProperties": false
      }
    },
    "overall_correctness": {"type": "string", "enum": ["patch is correct", "patch is incorrect"]},
    "overall_explanation": {"type": "string"},
    "overall_confidence_score": {"type": "number"}
  },
  "required": ["findings", "overall_correctness", "overall_explanation", "overall_confidence_score"],
  "additionalProperties": false
}`
