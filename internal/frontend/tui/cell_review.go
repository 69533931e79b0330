package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/frontend/termtext"
	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// reviewCell shows a finished code review: each finding with its priority,
// title, location and body, then the verdict.
type reviewCell struct {
	target review.Target
	out    review.Output
	cwd    string
}

func (c *reviewCell) render(width int) string {
	var b strings.Builder
	n := len(c.out.Findings)
	count := "no findings"
	switch {
	case n == 1:
		count = "1 finding"
	case n > 1:
		count = fmt.Sprintf("%d findings", n)
	}
	b.WriteString(md.Bold("Review of "+termtext.Line(c.target.Hint())) + " " + md.Faint("("+count+")"))
	for _, f := range c.out.Findings {
		tag, title := f.Tagged()
		line := md.Bold(termtext.Line(title))
		if tag != "" {
			line = md.Bold(md.Fg(priorityColor(tag), "["+tag+"]")) + " " + line
		}
		b.WriteString("\n\n" + wrap(line, width-2))
		if w := f.Where(c.cwd); w != "" {
			b.WriteString("\n" + indent(wrap(md.Fg(md.Cyan, termtext.Line(w)), width-4), "  ", "  "))
		}
		if body := strings.TrimSpace(f.Body); body != "" {
			b.WriteString("\n" + indent(md.Render(termtext.Text(body), width-4), "  ", "  "))
		}
	}
	b.WriteString("\n")
	if v := c.out.Verdict(); v != "" {
		color := md.Green
		if strings.Contains(c.out.OverallCorrectness, "incorrect") {
			color = md.Red
		}
		b.WriteString("\n" + md.Bold("Verdict: ") + md.Fg(color, termtext.Line(v)))
	}
	if e := strings.TrimSpace(c.out.OverallExplanation); e != "" {
		b.WriteString("\n" + wrap(termtext.Text(e), width-2))
	} else if c.out.Verdict() == "" {
		b.WriteString("\n" + md.Faint("The reviewer gave no answer."))
	}
	return indent(b.String(), md.Fg(md.Gray, "•")+" ", "  ")
}

func priorityColor(tag string) string {
	switch tag {
	case "P0", "P1":
		return md.Red
	case "P2":
		return md.Yellow
	}
	return md.Gray
}

// cmdReview runs a code review: with no arguments it asks what to review;
// "--base BRANCH" and "--commit SHA" choose the target (words after them
// are what to focus on); other words are the user's own instructions over
// the uncommitted changes.
func (c *commander) cmdReview(args string) tea.Msg {
	if c.opts.Review == nil {
		return unavailable("/review")
	}
	words := strings.Fields(args)
	if len(words) == 0 {
		return openOverlay{c.reviewPicker()}
	}
	t := review.Target{Kind: review.Custom, Instructions: args}
	if flag := words[0]; flag == "--base" || flag == "--commit" {
		if len(words) < 2 {
			return showNotice{noticeError, flag + " needs a value.", "/review --base BRANCH, /review --commit SHA, or /review alone to choose."}
		}
		t = review.Target{Kind: review.BaseBranch, Branch: words[1], Instructions: strings.Join(words[2:], " ")}
		if flag == "--commit" {
			t = review.Target{Kind: review.Commit, Commit: words[1], Instructions: strings.Join(words[2:], " ")}
		}
	}
	return c.startReview(t)
}

// reviewPicker asks what to review.
func (c *commander) reviewPicker() *picker {
	p := &picker{title: "What should be reviewed?", items: []popupItem{
		{label: "Uncommitted changes", desc: "staged, unstaged and untracked"},
		{label: "Against a base branch", desc: "what this branch would merge"},
		{label: "A commit", desc: "what one commit introduced"},
	}}
	p.choose = func(i int) tea.Msg {
		switch i {
		case 1:
			return c.refPicker("Review against which branch?", review.BaseBranch,
				"for-each-ref", "--sort=-committerdate", "--count=50", "--format=%(refname:short)", "refs/heads")
		case 2:
			return c.refPicker("Review which commit?", review.Commit,
				"log", "-n", "50", "--format=%H%x09%s")
		}
		return reviewChosen{review.Target{Kind: review.Uncommitted}}
	}
	return p
}

// refPicker lists branches or commits through git (Options.Git) and
// reviews the one chosen. A line is "name" or "id<TAB>title".
func (c *commander) refPicker(title string, kind review.Kind, gitArgs ...string) tea.Msg {
	ctx, git := c.ctx, c.opts.Git
	return work(func() tea.Msg {
		var out []byte
		err := errors.New("git is not available here")
		if git != nil {
			out, err = git(ctx, gitArgs...)
		}
		if err != nil {
			return results{closeOverlay{}, showNotice{noticeError, "Could not list them: " + err.Error(), ""}}
		}
		return refPicker(title, kind, out)
	})
}

// refPicker offers the branches or commits git listed (out).
func refPicker(title string, kind review.Kind, out []byte) tea.Msg {
	var refs []string
	p := &picker{title: title}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		name, desc, _ := strings.Cut(line, "\t")
		if name == "" {
			continue
		}
		refs = append(refs, name)
		label := name
		if kind == review.Commit {
			label = name[:min(7, len(name))]
		}
		p.items = append(p.items, popupItem{label: termtext.Line(label), desc: termtext.Line(desc)})
	}
	if len(refs) == 0 {
		return results{closeOverlay{}, showNotice{noticeInfo, "Nothing to choose from.", ""}}
	}
	p.choose = func(i int) tea.Msg {
		if kind == review.Commit {
			return reviewChosen{review.Target{Kind: review.Commit, Commit: refs[i]}}
		}
		return reviewChosen{review.Target{Kind: review.BaseBranch, Branch: refs[i]}}
	}
	return openOverlay{p}
}

// startReview runs the review off the Update goroutine (the reviewer is a
// read-only session of its own, see Options.Review) and shows its findings.
func (c *commander) startReview(t review.Target) tea.Msg {
	ctx, run, cwd := c.ctx, c.opts.Review, c.opts.Cwd
	return results{showNotice{noticeInfo, "Reviewing " + termtext.Line(t.Hint()) + "…", ""}, work(func() tea.Msg {
		done, out, err := run(ctx, t)
		switch {
		case errors.Is(err, review.ErrNothingToReview):
			return showNotice{noticeInfo, "Nothing to review: no " + termtext.Line(t.Hint()) + ".", ""}
		case errors.Is(err, context.Canceled):
			return nil
		case err != nil:
			return showNotice{noticeError, "Review failed: " + err.Error(), ""}
		}
		return commitCell{&reviewCell{target: done, out: out, cwd: cwd}}
	})}
}
