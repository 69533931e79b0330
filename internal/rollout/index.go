package rollout

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// The listing index: List keeps the summary of every rollout it read in
// SessionsDir(home)/.index.json, with the size and modification time of
// the file it summarised and the place after its last whole line. A file
// that has not changed since is not read again; one that grew (a session
// went on: rollouts are append-only) is read on from that place; any other
// change reads it again. The index is a cache: a missing, unreadable or
// outdated one is rebuilt, it is replaced whole (write and rename) when a
// listing changed it, and two processes listing at once at worst redo
// each other's work.

const (
	indexName    = ".index.json"
	indexVersion = 2 // 2: Rewound
	// indexPrompt is how much of a first prompt the index keeps (listings
	// show up to 120 runes of its first line; 512 bytes are at least 128).
	indexPrompt = 512
)

type indexFile struct {
	Version int                    `json:"version"`
	Entries map[string]*indexEntry `json:"entries"` // by file name
}

type indexEntry struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime_ns"`
	// Lines and Scanned are the lines and bytes through the last line that
	// ended with a newline; Started and Ends the totaler's counts there.
	Lines   int   `json:"lines"`
	Scanned int64 `json:"scanned"`
	Started int   `json:"started"`
	Ends    int   `json:"ends"`

	// The summary, but its path.
	ID          string              `json:"id"`
	Created     time.Time           `json:"created"`
	Updated     time.Time           `json:"updated"`
	Cwd         string              `json:"cwd"`
	Model       string              `json:"model,omitempty"`
	ForkedFrom  string              `json:"forked_from,omitempty"`
	Turns       int                 `json:"turns"`
	Usage       protocol.TokenUsage `json:"usage"`
	FirstPrompt string              `json:"first_prompt,omitempty"`
	Rewound     bool                `json:"rewound,omitempty"`
}

func (e *indexEntry) summary(path string) Summary {
	return Summary{
		ID: e.ID, Path: path, Created: e.Created, Cwd: e.Cwd, Model: e.Model, ForkedFrom: e.ForkedFrom,
		Totals: Totals{Turns: e.Turns, Usage: e.Usage, FirstPrompt: e.FirstPrompt, Updated: e.Updated, Rewound: e.Rewound},
	}
}

// index is a listing's view of the index file.
type index struct {
	path  string
	old   map[string]*indexEntry
	next  map[string]*indexEntry // the entries of the files seen
	dirty bool
}

func openIndex(home string) *index {
	ix := &index{path: filepath.Join(SessionsDir(home), indexName), next: map[string]*indexEntry{}}
	if b, err := os.ReadFile(ix.path); err == nil {
		var f indexFile
		if json.Unmarshal(b, &f) == nil && f.Version == indexVersion {
			ix.old = f.Entries
		}
	}
	return ix
}

// summary returns the summary of the rollout at path, from the index when
// the file has not changed since.
func (ix *index) summary(path string) (Summary, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Summary{}, err
	}
	name := filepath.Base(path)
	e := ix.old[name]
	if e != nil && e.Size == st.Size() && e.ModTime == st.ModTime().UnixNano() {
		ix.next[name] = e
		return e.summary(path), nil
	}
	if e != nil && (st.Size() < e.Scanned || e.Scanned == 0 || e.ID == "") {
		e = nil // cut or rewritten: read it all
	}
	ne, err := summarizeFrom(path, e)
	if err != nil {
		return Summary{}, err
	}
	ne.Size, ne.ModTime = st.Size(), st.ModTime().UnixNano()
	ix.next[name], ix.dirty = ne, true
	return ne.summary(path), nil
}

// save writes the index back if the listing changed it. With complete
// (every file was seen), entries of files gone are dropped; else they are
// kept.
func (ix *index) save(complete bool) {
	if !complete {
		for name, e := range ix.old {
			if ix.next[name] == nil {
				ix.next[name] = e
			}
		}
	} else if len(ix.old) != len(ix.next) {
		ix.dirty = true
	}
	if !ix.dirty {
		return
	}
	b, err := json.Marshal(indexFile{Version: indexVersion, Entries: ix.next})
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(ix.path), ".index-*")
	if err != nil {
		return // no sessions directory, or a read-only one: no cache
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), ix.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
}

// summarizeFrom streams a rollout into a summary, keeping no history: all
// of it, or, with from, only what was appended after from.Scanned.
func summarizeFrom(path string, from *indexEntry) (*indexEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e := &indexEntry{}
	var meta Meta
	start := span{}
	var sum Summary
	if from != nil {
		*e = *from
		sum = from.summary(path)
		start = span{n: from.Lines, off: from.Scanned}
		if _, err := f.Seek(from.Scanned, io.SeekStart); err != nil {
			return nil, err
		}
	}
	t := totaler{totals: &sum.Totals, started: e.Started, ends: e.Ends}
	_, done, err := scanAt(f, start, func(n int, _ span, typ string, payload []byte) error {
		if n == 1 {
			if typ != TypeSessionMeta {
				return errors.New("not a rollout")
			}
			return json.Unmarshal(payload, &meta)
		}
		return t.line(typ, payload)
	}, &sum.Updated, nil)
	if err != nil {
		return nil, err
	}
	if from == nil {
		if meta.ID == "" {
			return nil, errors.New(path + ": no session meta")
		}
		e.ID, e.Created, e.Cwd, e.Model, e.ForkedFrom = meta.ID, meta.Timestamp, meta.Cwd, meta.Model, meta.ForkedFrom
	}
	e.Started, e.Ends, e.Lines, e.Scanned = t.started, t.ends, done.n, done.off
	t.finish()
	e.Turns, e.Usage, e.Updated, e.Rewound = sum.Turns, sum.Usage, sum.Updated, sum.Rewound
	e.FirstPrompt = promptHead(sum.FirstPrompt)
	return e, nil
}

// summarize streams one rollout into a Summary, keeping no history.
func summarize(path string) (Summary, error) {
	e, err := summarizeFrom(path, nil)
	if err != nil {
		return Summary{}, err
	}
	return e.summary(path), nil
}

// promptHead is what the index keeps of a first prompt: its first line
// (with the newline, which listings mark) and at most indexPrompt bytes of
// it, cut at a rune boundary.
func promptHead(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i+1]
	}
	n := indexPrompt
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// line counts one line of a rollout (not its first).
func (t *totaler) line(typ string, payload []byte) error {
	switch typ {
	case TypeResponseItem:
		if t.totals.FirstPrompt == "" && bytes.Contains(payload, roleUser) {
			var it model.Item
			if json.Unmarshal(payload, &it) == nil {
				t.item(&it)
			}
		}
	case TypeEvent:
		_, _, err := t.event(payload)
		return err
	}
	return nil
}
