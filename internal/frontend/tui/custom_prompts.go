package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
)

// promptsPrefix is Codex's namespace for custom prompts: /prompts:name.
const promptsPrefix = "prompts:"

// builtin reports whether a built-in slash command is called name.
func builtin(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}

// customPrompt finds the custom prompt name ("x" or "prompts:x") calls.
// A built-in command wins over a prompt of the same name, which stays
// reachable as /prompts:name.
func (c *commander) customPrompt(name string) *prompts.Prompt {
	bare, prefixed := strings.CutPrefix(name, promptsPrefix)
	if !prefixed && builtin(bare) {
		return nil
	}
	for i := range c.opts.Prompts {
		if c.opts.Prompts[i].Name == bare {
			return &c.opts.Prompts[i]
		}
	}
	return nil
}

// promptLabel is how the popup names a prompt: /name, or /prompts:name
// when a built-in command has the name.
func promptLabel(p prompts.Prompt) string {
	if builtin(p.Name) {
		return "/" + promptsPrefix + p.Name
	}
	return "/" + p.Name
}

// promptItems are the popup rows of the custom prompts whose name starts
// with q (or, for q = "prompts:…", whose /prompts:name label does).
func promptItems(ps []prompts.Prompt, q string) []popupItem {
	var out []popupItem
	for _, p := range ps {
		label := promptLabel(p)
		if !strings.HasPrefix(p.Name, q) && (!strings.HasPrefix(q, promptsPrefix) || !strings.HasPrefix(label[1:], q)) {
			continue
		}
		desc := p.Summary()
		if builtin(p.Name) {
			desc = "custom prompt; /" + p.Name + " is built in · " + desc
		}
		out = append(out, popupItem{label: label, desc: desc})
	}
	return out
}

// runPrompt expands a custom prompt with the arguments typed after it and
// sends it. An argument error is shown and nothing is sent; the command
// stays in the composer to be fixed.
func (c *commander) runPrompt(word string, p prompts.Prompt, args string) tea.Msg {
	text, err := p.Expand(args)
	if err != nil {
		hint := ""
		if p.ArgumentHint != "" {
			hint = "Usage: " + word + " " + p.ArgumentHint
		}
		return results{keepCommand{strings.TrimSpace(word + " " + args)}, showNotice{noticeError, capitalize(err.Error()) + ".", hint}}
	}
	if strings.TrimSpace(text) == "" {
		return showNotice{noticeWarning, "The custom prompt " + word + " is empty; nothing was sent.", ""}
	}
	return results{rememberPrompt{strings.TrimSpace(word + " " + args)}, sendText{text}}
}

// promptTemplate is what choosing a prompt with named placeholders in the
// popup puts in the composer: /name A="" B="", to be filled in.
func (c *commander) promptTemplate(label string) (string, bool) {
	p := c.customPrompt(strings.TrimPrefix(label, "/"))
	if p == nil {
		return "", false
	}
	names := p.Names()
	if len(names) == 0 {
		return "", false
	}
	var b strings.Builder
	b.WriteString(label)
	for _, n := range names {
		b.WriteString(" " + n + `=""`)
	}
	return b.String(), true
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
