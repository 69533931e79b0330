package rollout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned (wrapped) when no rollout matches.
var ErrNotFound = errors.New("no such session")

// ErrAmbiguous is returned (wrapped, with the candidates) when an id prefix
// matches more than one rollout.
var ErrAmbiguous = errors.New("ambiguous session id")

// Summary describes one recorded session for a listing.
type Summary struct {
	ID      string
	Path    string
	Created time.Time // from the session meta
	Cwd     string
	Model   string
	// ForkedFrom is the session this one was forked from ("" if none).
	ForkedFrom string
	Totals
}

// Empty reports whether the session holds nothing to go back to: no turn
// and no message of the user's (kodex started and quit), or a fork from
// before forks copied their source's lines that never had a turn of its
// own (but one made by kodex rewind, which is there to be resumed).
// Listings and Last leave such sessions out, as Codex's do; kodex resume
// ID still opens one.
func (s Summary) Empty() bool {
	return s.Turns == 0 && !s.Rewound && (s.FirstPrompt == "" || s.ForkedFrom != "")
}

// defaultPromptMax is how much of a first prompt a summary keeps, in runes.
const defaultPromptMax = 120

// Filter narrows List.
type Filter struct {
	// Cwd keeps only sessions that started in this directory ("" for all).
	Cwd string
	// Limit caps the number of summaries (0 for no limit).
	Limit int
	// PromptMax truncates FirstPrompt to this many runes (0: defaultPromptMax).
	PromptMax int
	// Empty keeps the empty sessions too (see Summary.Empty).
	Empty bool
}

// SessionsDir returns the directory rollouts live in.
func SessionsDir(home string) string { return filepath.Join(home, "sessions") }

// List returns summaries of the sessions under home, newest first, but
// the empty ones unless filter.Empty (see Summary.Empty). A file is read (as a stream) only
// when the listing index does not hold it as it is (see index.go);
// unreadable or malformed files are skipped.
func List(home string, filter Filter) ([]Summary, error) {
	pmax := filter.PromptMax
	if pmax <= 0 {
		pmax = defaultPromptMax
	}
	var out []Summary
	ix := openIndex(home)
	stopped := false
	err := walkNewest(home, func(path string) (bool, error) {
		s, err := ix.summary(path)
		if err != nil || (filter.Cwd != "" && !samePath(s.Cwd, filter.Cwd)) || (s.Empty() && !filter.Empty) {
			return false, nil
		}
		s.FirstPrompt = truncate(s.FirstPrompt, pmax)
		out = append(out, s)
		stopped = filter.Limit > 0 && len(out) >= filter.Limit
		return stopped, nil
	})
	if err == nil {
		ix.save(!stopped)
	}
	return out, err
}

// Summarize returns the summary of the one rollout at path, a session of
// home, through the listing index, as List does (the first prompt cut as
// List's default).
func Summarize(home, path string) (Summary, error) {
	ix := openIndex(home)
	s, err := ix.summary(path)
	if err == nil {
		ix.save(false)
		s.FirstPrompt = truncate(s.FirstPrompt, defaultPromptMax)
	}
	return s, err
}

// Find returns the path of the session whose id is idOrPrefix, or starts
// with it. An existing file path is returned as is. More than one match is
// an ErrAmbiguous error naming them.
func Find(home, idOrPrefix string) (string, error) {
	if idOrPrefix == "" {
		return "", fmt.Errorf("empty session id")
	}
	if strings.HasSuffix(idOrPrefix, ".jsonl") {
		if st, err := os.Stat(idOrPrefix); err == nil && st.Mode().IsRegular() {
			return idOrPrefix, nil
		}
	}
	want := strings.ToLower(idOrPrefix)
	var matches []string
	var exact string
	err := walkNewest(home, func(path string) (bool, error) {
		id := idFromName(filepath.Base(path))
		switch {
		case id == want:
			exact = path
			return true, nil
		case strings.HasPrefix(id, want):
			matches = append(matches, path)
		}
		return false, nil
	})
	switch {
	case err != nil:
		return "", err
	case exact != "":
		return exact, nil
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) == 0:
		return "", fmt.Errorf("%w %q under %s (see kodex sessions list)", ErrNotFound, idOrPrefix, SessionsDir(home))
	}
	ids := make([]string, 0, len(matches))
	for _, m := range matches {
		ids = append(ids, idFromName(filepath.Base(m)))
	}
	return "", fmt.Errorf("%w %q matches %d sessions: %s (give more of the id)", ErrAmbiguous, idOrPrefix, len(ids), strings.Join(ids, ", "))
}

// Last returns the path of the session last worked in (the most recently
// updated, as Codex's --last picks it), or of the one last worked in that
// started in cwd if cwd is not "". Empty sessions are left out (see
// Summary.Empty).
func Last(home, cwd string) (string, error) {
	list, err := List(home, Filter{Cwd: cwd})
	if err != nil {
		return "", err
	}
	var found *Summary
	for i := range list {
		if found == nil || list[i].Updated.After(found.Updated) {
			found = &list[i]
		}
	}
	if found == nil {
		if cwd != "" {
			return "", fmt.Errorf("%w recorded for %s", ErrNotFound, cwd)
		}
		return "", fmt.Errorf("%w recorded under %s", ErrNotFound, SessionsDir(home))
	}
	return found.Path, nil
}

// Remove deletes the rollout of the session idOrPrefix (see Find), and its
// day directory if that becomes empty.
func Remove(home, idOrPrefix string) error {
	path, err := Find(home, idOrPrefix)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing session: %w", err)
	}
	dir := filepath.Dir(path)
	if strings.HasPrefix(dir, SessionsDir(home)) {
		os.Remove(dir) // fails harmlessly unless empty
	}
	return nil
}

// ReadMeta reads the session_meta line of the rollout at path, and nothing
// more of it.
func ReadMeta(path string) (Meta, error) { return readMetaFile(path) }

func readMetaFile(path string) (Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, err
	}
	defer f.Close()
	return readMeta(f)
}

// walkNewest calls fn for every rollout file under home's sessions
// directory, newest first (by the creation time in the path), until fn
// returns true or an error. A missing sessions directory is not an error.
func walkNewest(home string, fn func(path string) (bool, error)) error {
	root := SessionsDir(home)
	var walk func(dir string, depth int) (bool, error)
	walk = func(dir string, depth int) (bool, error) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && depth > 0 {
				return false, nil
			}
			return false, err
		}
		slices.Reverse(entries) // ReadDir sorts by name; names sort by time
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			var stop bool
			var err error
			switch {
			case depth < 3 && e.IsDir():
				stop, err = walk(p, depth+1)
			case depth == 3 && isRolloutName(e.Name()) && !e.IsDir():
				stop, err = fn(p)
			}
			if stop || err != nil {
				return stop, err
			}
		}
		return false, nil
	}
	_, err := walk(root, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing sessions: %w", err)
	}
	return nil
}

// Rollout file names: rollout-2006-01-02T15-04-05-<36-char uuid>.jsonl.
const (
	namePrefix = "rollout-"
	nameSuffix = ".jsonl"
	uuidLen    = 36
)

func isRolloutName(name string) bool {
	return strings.HasPrefix(name, namePrefix) && strings.HasSuffix(name, nameSuffix) &&
		len(name) >= len(namePrefix)+len("2006-01-02T15-04-05-")+uuidLen+len(nameSuffix)
}

// idFromName returns the session id in a rollout file name ("" if none).
func idFromName(name string) string {
	if !isRolloutName(name) {
		return ""
	}
	stem := strings.TrimSuffix(name, nameSuffix)
	return strings.ToLower(stem[len(stem)-uuidLen:])
}

var roleUser = []byte(`"role":"user"`)

func samePath(a, b string) bool {
	return filepath.Clean(a) == filepath.Clean(b)
}

// truncate shortens s to at most n runes on one line, marking the cut.
func truncate(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
