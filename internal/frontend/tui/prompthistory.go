package tui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"time"
)

const (
	// maxHistory bounds the prompts kept in memory and on disk.
	maxHistory = 1000
	// maxHistoryRead bounds how much of history.jsonl is read at start.
	maxHistoryRead = 1 << 20
)

// historyEntry is one line of $KODEX_HOME/history.jsonl.
type historyEntry struct {
	Text string `json:"text"`
	TS   int64  `json:"ts"` // Unix seconds
}

// promptHistory is the persistent prompt history browsed with Up/Down.
type promptHistory struct {
	path    string // "" keeps history in memory only
	entries []string
	// pos is the browsed entry; len(entries) means "the draft".
	pos   int
	draft string
}

// loadPromptHistory reads the tail of history.jsonl; a missing or corrupt
// file gives an empty history (corrupt lines are skipped).
func loadPromptHistory(home string) *promptHistory {
	h := &promptHistory{}
	if home == "" {
		return h
	}
	h.path = filepath.Join(home, "history.jsonl")
	f, err := os.Open(h.path)
	if err != nil {
		return h
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxHistoryRead {
		_, _ = f.Seek(st.Size()-maxHistoryRead, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxHistoryRead)
	for sc.Scan() {
		var e historyEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Text != "" {
			h.entries = append(h.entries, e.Text)
		}
	}
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
		h.rewrite()
	}
	h.pos = len(h.entries)
	return h
}

// rewrite compacts the file to the entries kept in memory.
func (h *promptHistory) rewrite() {
	var buf bytes.Buffer
	for _, t := range h.entries {
		b, _ := json.Marshal(historyEntry{Text: t})
		buf.Write(b)
		buf.WriteByte('\n')
	}
	tmp := h.path + ".tmp"
	if os.WriteFile(tmp, buf.Bytes(), 0o600) == nil {
		_ = os.Rename(tmp, h.path)
	}
}

// add records a submitted prompt (not a repeat of the last one) and appends
// it to the file. Errors are ignored: history is a convenience.
func (h *promptHistory) add(text string, now time.Time) {
	defer func() { h.pos, h.draft = len(h.entries), "" }()
	if text == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == text) {
		return
	}
	h.entries = append(h.entries, text)
	if len(h.entries) > 2*maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
	if h.path == "" {
		return
	}
	b, err := json.Marshal(historyEntry{Text: text, TS: now.Unix()})
	if err != nil {
		return
	}
	_ = os.MkdirAll(filepath.Dir(h.path), 0o700)
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(b, '\n'))
}

// browsing reports whether the composer shows a recalled entry (or is
// empty), so Up/Down navigate history instead of moving the cursor.
func (h *promptHistory) browsing(current string) bool {
	return current == "" || (h.pos < len(h.entries) && h.entries[h.pos] == current)
}

// prev returns the previous entry, saving the draft on the way in.
func (h *promptHistory) prev(current string) (string, bool) {
	if h.pos == 0 || len(h.entries) == 0 {
		return "", false
	}
	if h.pos == len(h.entries) {
		h.draft = current
	}
	h.pos--
	return h.entries[h.pos], true
}

// next returns the next entry, or the draft after the newest.
func (h *promptHistory) next() (string, bool) {
	if h.pos >= len(h.entries) {
		return "", false
	}
	h.pos++
	if h.pos == len(h.entries) {
		return h.draft, true
	}
	return h.entries[h.pos], true
}
