package rollout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The listing index: an unchanged file is not read again, a file that grew
// is read on from where the index stopped (and comes out as a full read
// would), a file gone leaves it, and a damaged index is rebuilt.
func TestListIndex(t *testing.T) {
	home := t.TempDir()
	a := newRecorder(t, home, Options{Cwd: "/w", Now: clock(t0)})
	turn(t, a, 1, "first prompt of a")
	b := newRecorder(t, home, Options{Cwd: "/w", Now: clock(t0.Add(time.Hour))})
	turn(t, b, 1, "first prompt of b")
	list := func() map[string]Summary {
		t.Helper()
		l, err := List(home, Filter{})
		must(t, err)
		m := map[string]Summary{}
		for _, s := range l {
			m[s.ID] = s
		}
		return m
	}
	first := list()
	if len(first) != 2 || first[a.ID()].FirstPrompt != "first prompt of a" {
		t.Fatalf("first listing: %+v", first)
	}
	ixPath := filepath.Join(SessionsDir(home), indexName)
	if _, err := os.Stat(ixPath); err != nil {
		t.Fatalf("no index written: %v", err)
	}

	// Unchanged (size and time): the index answers, the file is not read.
	st, err := os.Stat(a.Path())
	must(t, err)
	data, err := os.ReadFile(a.Path())
	must(t, err)
	must(t, os.WriteFile(a.Path(), []byte(strings.Replace(string(data), "first prompt of a", "FIRST PROMPT OF A", 1)), 0o600))
	must(t, os.Chtimes(a.Path(), st.ModTime(), st.ModTime()))
	if got := list()[a.ID()].FirstPrompt; got != "first prompt of a" {
		t.Errorf("an unchanged file was read again: prompt %q", got)
	}
	must(t, os.WriteFile(a.Path(), data, 0o600))

	// Appended: read on from the index's place, same as a full read.
	turn(t, a, 2, "second prompt of a")
	got := list()[a.ID()]
	want, err := summarize(a.Path())
	must(t, err)
	if got.Turns != 2 {
		t.Errorf("after a second turn: %d turns", got.Turns)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incremental summary differs from a full read (-full +incremental):\n%s", diff)
	}

	// A torn line at the end, then completed: counted once, when whole.
	f, err := os.OpenFile(b.Path(), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(`{"timestamp":"2026-11-24T10:00:00Z","type":"event","payload":{"seq":0,"msg":{"type":"turn_star`)
	must(t, err)
	if got := list()[b.ID()].Turns; got != 1 {
		t.Errorf("with a torn last line: %d turns, want 1", got)
	}
	_, err = f.WriteString(`ted","turn_id":"t2"}}}` + "\n")
	must(t, err)
	must(t, f.Close())
	if got := list()[b.ID()].Turns; got != 2 {
		t.Errorf("once the line is whole: %d turns, want 2", got)
	}

	// Gone: out of the listing and of the index.
	must(t, os.Remove(b.Path()))
	if l := list(); len(l) != 1 {
		t.Errorf("after removing b: %d sessions", len(l))
	}
	ix, err := os.ReadFile(ixPath)
	must(t, err)
	if strings.Contains(string(ix), b.ID()) {
		t.Error("the index still holds a removed session")
	}

	// Damaged: ignored and rebuilt.
	must(t, os.WriteFile(ixPath, []byte("{not json"), 0o600))
	if l := list(); len(l) != 1 || l[a.ID()].Turns != 2 {
		t.Errorf("with a damaged index: %+v", l)
	}
	if ix, _ := os.ReadFile(ixPath); !strings.Contains(string(ix), a.ID()) {
		t.Error("a damaged index was not rebuilt")
	}
}
