// Package prompt builds what kodex tells the model before the conversation:
// its own system instructions (embedded Markdown), the user's AGENTS.md
// instructions (discovered as Codex does: global file, then the git root
// down to the working directory), and the environment context message; and
// the compaction prompt and summary message that replace a long
// conversation.
//
// It reads files but runs no commands and holds no state; the agent decides
// when to send what (InitialItems at the start of a session, a new
// EnvironmentContext when the settings change).
package prompt

import (
	_ "embed"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
)

//go:embed instructions.md
var instructions string

//go:embed compact.md
var compactPrompt string

// Instructions returns kodex's base system instructions.
func Instructions() string { return instructions }

// CompactPrompt is the request, sent as the last user message after the
// whole conversation, for the summary that replaces it when it is
// compacted.
func CompactPrompt() string { return compactPrompt }

// Summary renders a compaction summary as the user-role message that stands
// for the conversation before it.
func Summary(text string) string {
	return SummaryPrefix + "\n" + strings.TrimSpace(text)
}

// Prefixes of the messages this package generates; rollout readers and
// frontends use them to tell injected context from user prompts.
const (
	UserInstructionsPrefix   = "# AGENTS.md instructions for "
	EnvironmentContextPrefix = "<environment_context>"
	// SummaryPrefix opens the summary that replaced a compacted
	// conversation.
	SummaryPrefix = "The earlier part of this conversation was compacted to save context. This summary of it was written at that point; the user's most recent messages are kept above it. Continue the work from here:"
	// NotePrefix opens a note kodex adds to the history for the model
	// (the user undid or redid a turn's file changes).
	NotePrefix = "<kodex_note>"
)

// IsInjected reports whether a user-role message text is context added by
// this package rather than something the user typed.
func IsInjected(text string) bool {
	text = strings.TrimLeft(text, " \t\r\n")
	return strings.HasPrefix(text, UserInstructionsPrefix) || strings.HasPrefix(text, EnvironmentContextPrefix) ||
		strings.HasPrefix(text, SummaryPrefix) || strings.HasPrefix(text, NotePrefix)
}

// UserInstructions renders AGENTS.md text (from LoadProjectDocs) as the
// user-role message sent at the start of a session, or "" if docs is empty.
func UserInstructions(cwd, docs string) string {
	if strings.TrimSpace(docs) == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(UserInstructionsPrefix)
	b.WriteString(cwd)
	b.WriteString("\n\n<INSTRUCTIONS>\n")
	b.WriteString(strings.TrimRight(docs, "\n"))
	b.WriteString("\n</INSTRUCTIONS>")
	return b.String()
}

// Initial is what InitialItems puts in front of a new conversation.
type Initial struct {
	// DeveloperInstructions (config developer_instructions) go first, as a
	// developer message; empty: none.
	DeveloperInstructions string
	// ProjectDocs is the text returned by LoadProjectDocs; empty: none.
	ProjectDocs string
	// Env describes the environment; it is always sent.
	Env EnvContext
}

// InitialItems returns the items to prepend to a new conversation: the
// developer instructions (if any), the AGENTS.md instructions (if any) and
// the environment context, in that order.
func InitialItems(in Initial) []model.Item {
	items := make([]model.Item, 0, 3)
	if s := strings.TrimSpace(in.DeveloperInstructions); s != "" {
		items = append(items, model.Item{Type: model.ItemMessage, Role: model.RoleDeveloper,
			Content: []model.ContentPart{{Type: model.PartInputText, Text: s}}})
	}
	if s := UserInstructions(in.Env.Cwd, in.ProjectDocs); s != "" {
		items = append(items, model.UserText(s))
	}
	items = append(items, model.UserText(EnvironmentContext(in.Env)))
	return items
}
