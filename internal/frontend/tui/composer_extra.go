package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

// historySearch is Ctrl+R: a reverse search of the prompt history, as in a
// shell. Typing narrows it to the newest entry containing the query; Ctrl+R
// (or Up) goes to an older one; Enter or Tab puts the match in the
// composer; Esc leaves the composer as it was.
type historySearch struct {
	h     *promptHistory
	query string
	at    int    // the match's index in the history (-1: none)
	text  string // the match
}

// historyChosen puts a prompt from the history in the composer.
type historyChosen struct{ text string }

func newHistorySearch(h *promptHistory) *historySearch {
	s := &historySearch{h: h}
	s.find(len(h.entries))
	return s
}

// find moves to the newest match before index before (keeping the current
// one when there is none and the query did not change).
func (s *historySearch) find(before int) {
	s.at, s.text = s.h.search(s.query, before), ""
	if s.at >= 0 {
		s.text = s.h.entries[s.at]
	}
}

func (s *historySearch) update(k tea.KeyPressMsg) tea.Msg {
	switch k.String() {
	case "esc", "ctrl+c":
		return closeOverlay{}
	case "enter", "tab":
		if s.at >= 0 {
			return historyChosen{s.text}
		}
		return closeOverlay{}
	case "ctrl+r", "up":
		if s.at > 0 && s.h.search(s.query, s.at) >= 0 {
			s.find(s.at)
		}
	case "backspace":
		if r := []rune(s.query); len(r) > 0 {
			s.query = string(r[:len(r)-1])
			s.find(len(s.h.entries))
		}
	default:
		if k.Text != "" {
			s.query += k.Text
			s.find(len(s.h.entries))
		}
	}
	return nil
}

// view draws the query, the match's first line and the keys, in at most
// height rows: on a shorter screen the match goes, then the keys; on a
// narrow one the keys are said shorter.
func (s *historySearch) view(width, height int) string {
	head := md.Faint("history search: ") + md.Bold(safeLine(s.query)) + "▏"
	body := md.Faint("  no match")
	if s.at >= 0 {
		first, _, more := strings.Cut(strings.TrimSpace(s.text), "\n")
		if more {
			first += " …"
		}
		body = "  " + safeLine(first)
	}
	hint := "ctrl+r older · enter use · esc cancel"
	if ansi.StringWidth(hint) > width {
		hint = ansi.Truncate("^r older · enter use · esc cancel", width, "…")
	}
	rows := []string{ansi.Truncate(head, width, "…"), ansi.Truncate(body, width, "…"), md.Faint(hint)}
	switch height {
	case 1:
		rows = rows[:1]
	case 2:
		rows = []string{rows[0], rows[2]}
	}
	return strings.Join(rows, "\n")
}

// search returns the index of the newest entry before index before that
// contains query (case-insensitively), or -1.
func (h *promptHistory) search(query string, before int) int {
	q := strings.ToLower(query)
	for i := min(before, len(h.entries)) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(h.entries[i]), q) {
			return i
		}
	}
	return -1
}

// editorDoneMsg carries what the external editor left in its file.
type editorDoneMsg struct {
	text string
	err  error
}

// openEditor is Ctrl+G: text in the editor command ([Options.Editor],
// $VISUAL or $EDITOR) run in dir; what the editor saves comes back as
// editorDoneMsg, for the composer.
func openEditor(ctx context.Context, editor, dir, text string) tea.Msg {
	argv := strings.Fields(editor)
	if len(argv) == 0 {
		return setHint{"set $VISUAL or $EDITOR to edit the message in your editor"}
	}
	f, err := os.CreateTemp("", "kodex-message-*.md")
	if err != nil {
		return showNotice{noticeError, "Could not open the editor: " + err.Error(), ""}
	}
	path := f.Name()
	_, werr := f.WriteString(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return showNotice{noticeError, "Could not open the editor: " + werr.Error(), ""}
	}
	cmd := exec.CommandContext(context.WithoutCancel(ctx), argv[0], append(argv[1:], path)...) //nolint:gosec // the user's own editor
	cmd.Dir = dir
	return background{tea.ExecProcess(cmd, func(err error) tea.Msg {
		defer os.Remove(path)
		if err != nil {
			return editorDoneMsg{err: err}
		}
		data, rerr := os.ReadFile(path)
		return editorDoneMsg{text: strings.TrimRight(string(data), "\n"), err: rerr}
	})}
}

// editorDone puts what the editor saved in the composer, or says why the
// message is unchanged; editor is the command that ran.
func (c *composer) editorDone(msg editorDoneMsg, editor string) tea.Msg {
	if msg.err != nil {
		var exit *exec.ExitError
		if errors.As(msg.err, &exit) {
			return showNotice{noticeWarning, fmt.Sprintf("The editor exited with status %d; the message is unchanged.", exit.ExitCode()), ""}
		}
		return showNotice{noticeError, "Could not run the editor (" + filepath.Base(strings.Fields(editor)[0]) + "): " + msg.err.Error(), "Set $VISUAL or $EDITOR to an editor that waits until the file is closed (e.g. \"code --wait\")."}
	}
	c.setValue(msg.text)
	return edited{}
}
