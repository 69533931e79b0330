package tui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/kodex-cli/kodex/internal/frontend/filesearch"
	"github.com/kodex-cli/kodex/internal/frontend/prompts"
)

// completions is the popup's source (popupSource): the slash commands —
// the built-in ones, the custom prompts and the MCP servers' prompts as the
// commander last listed them — and the repository's files for @, an index
// it lists in the background the first time an @ asks and again when a new
// @ finds it older than fileIndexTTL. It reads the MCP prompts and never
// writes them; the root carries its filesListed result back to it.
type completions struct {
	prompts []prompts.Prompt // the custom prompts
	mcp     *mcpPrompts      // read only: listed by the commander
	files   *fileIndex       // nil until an @ asks for it

	ctx context.Context // the Run context
	dir string
	git func(context.Context, ...string) ([]byte, error)
	now func() time.Time
}

// fileIndex is the repository's file list for @ search.
type fileIndex struct {
	files      []string
	loading    bool
	started    bool
	refreshing bool      // a reload runs; the old list is shown meanwhile
	loadedAt   time.Time // when files was listed
}

// fileIndexTTL is how long the @ file index is trusted before a new @
// reloads it.
const fileIndexTTL = 2 * time.Second

// filesListed: the repository's files, listed in the background for the
// @ popup.
type filesListed struct{ files []string }

// matchCommands lists the built-in commands, then the custom prompts and
// the MCP prompts, whose names start with q; with none, the built-in ones
// q fuzzily matches.
func (s *completions) matchCommands(q string) []popupItem {
	var out []popupItem
	cmds := commands()
	for _, c := range cmds {
		if strings.HasPrefix(c.name, q) {
			out = append(out, popupItem{label: "/" + c.name, desc: c.desc})
		}
	}
	out = append(out, promptItems(s.prompts, q)...)
	if s.mcp != nil {
		out = append(out, s.mcp.items(q)...)
	}
	if len(out) == 0 && q != "" {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.name
		}
		for _, match := range fuzzy.Find(q, names) {
			c := cmds[match.Index]
			out = append(out, popupItem{label: "/" + c.name, desc: c.desc})
		}
	}
	return out
}

// matchFiles fuzzy-matches the index (at most popupRows*4 files; the first
// popupRows for an empty q). Before the index is listed it says so, and
// the first ask marks it to be listed (see load).
func (s *completions) matchFiles(q string) []popupItem {
	if s.files == nil {
		s.files = &fileIndex{loading: true}
		return []popupItem{{label: "…", desc: "indexing files"}}
	}
	if s.files.loading {
		return []popupItem{{label: "…", desc: "indexing files"}}
	}
	var out []popupItem
	if q == "" {
		for _, f := range s.files.files[:min(popupRows, len(s.files.files))] {
			out = append(out, popupItem{label: f})
		}
		return out
	}
	for _, match := range fuzzy.Find(q, s.files.files) {
		out = append(out, popupItem{label: match.Str})
		if len(out) == popupRows*4 {
			break
		}
	}
	return out
}

// load returns the background work listing the files (nil: none is
// needed): the first time the index was asked for, and when a new @ popup
// opened or an open one matched nothing (newAt) on an index older than
// fileIndexTTL, so files created since show up.
func (s *completions) load(newAt bool) tea.Msg {
	f := s.files
	if f == nil {
		return nil
	}
	switch {
	case f.loading && !f.started:
	case !f.loading && !f.refreshing && newAt && s.now().Sub(f.loadedAt) > fileIndexTTL:
		f.refreshing = true
	default:
		return nil
	}
	f.started = true
	ctx, dir, git := s.ctx, s.dir, s.git
	return work(func() tea.Msg { return filesListed{listFiles(ctx, dir, git)} })
}

// keep keeps a listing of the files; the root refreshes the popup.
func (s *completions) keep(r filesListed) {
	s.files.files, s.files.loading, s.files.refreshing = r.files, false, false
	s.files.loadedAt = s.now()
}

// listFiles lists the workspace's files for the @ popup (see
// internal/frontend/filesearch).
func listFiles(ctx context.Context, dir string, git func(context.Context, ...string) ([]byte, error)) []string {
	return filesearch.List(ctx, dir, git)
}
