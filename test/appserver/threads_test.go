package appserver_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

type listResult struct {
	Data []struct {
		ID      string  `json:"id"`
		Preview string  `json:"preview"`
		Name    *string `json:"name"`
		Cwd     string  `json:"cwd"`
		// ForkedFromID is what thread/fork's result said.
		ForkedFromID *string `json:"forkedFromId"`
		Status       struct {
			Type string `json:"type"`
		} `json:"status"`
	} `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

func (l listResult) ids() []string {
	var out []string
	for _, d := range l.Data {
		out = append(out, d.ID)
	}
	return out
}

// runTurn starts a turn and waits for it to complete.
func runTurn(t testing.TB, s *server, thread, text string) []msg {
	t.Helper()
	turn := startTurn(t, s, thread, text)
	for {
		msgs := s.until("turn/completed")
		done := params[struct {
			ThreadID string
			Turn     struct{ ID, Status string }
		}](t, msgs[len(msgs)-1])
		if done.ThreadID == thread && done.Turn.ID == turn {
			if done.Turn.Status != "completed" {
				t.Fatalf("turn %s ended %s", turn, done.Turn.Status)
			}
			return msgs
		}
	}
}

// TestThreadLifecycle: threads are recorded, listed (paged, by cwd),
// read with their turns, named, forked, archived and unarchived,
// deleted, and resumed by a later server.
func TestThreadLifecycle(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Text("answer one"),
		modeltest.Text("answer two"),
		modeltest.Text("answer three"),
		modeltest.Text("after resume"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()

	a := startThread(t, s, map[string]any{"cwd": e.work})
	runTurn(t, s, a, "first question")
	b := startThread(t, s, map[string]any{"cwd": e.work})
	runTurn(t, s, b, "second question")

	var list listResult
	s.result("thread/list", map[string]any{"cwd": e.work, "limit": 1}, &list)
	if !slices.Equal(list.ids(), []string{b}) || list.NextCursor == nil {
		t.Fatalf("first page %+v, want [%s] and a cursor", list, b)
	}
	if list.Data[0].Preview != "second question" || list.Data[0].Status.Type != "idle" {
		t.Errorf("listed %+v", list.Data[0])
	}
	s.result("thread/list", map[string]any{"cwd": e.work, "limit": 1, "cursor": *list.NextCursor}, &list)
	if !slices.Equal(list.ids(), []string{a}) {
		t.Errorf("second page %v, want [%s]", list.ids(), a)
	}
	s.result("thread/list", map[string]any{"cwd": filepath.Join(e.work, "elsewhere")}, &list)
	if len(list.Data) != 0 {
		t.Errorf("other cwd lists %v", list.ids())
	}

	s.result("thread/name/set", map[string]any{"threadId": a, "name": "the first"}, nil)
	s.next("thread/name/updated")
	var read threadResult
	s.result("thread/read", map[string]any{"threadId": a, "includeTurns": true}, &read)
	if read.Thread.Name == nil || *read.Thread.Name != "the first" {
		t.Errorf("read name %v", read.Thread.Name)
	}
	if len(read.Thread.Turns) != 1 || len(read.Thread.Turns[0].Items) != 2 ||
		read.Thread.Turns[0].Items[1]["text"] != "answer one" {
		t.Errorf("read turns %+v", read.Thread.Turns)
	}

	var fork threadResult
	s.result("thread/fork", map[string]any{"threadId": a}, &fork)
	s.next("thread/started")
	if fork.Thread.ForkedFromID == nil || *fork.Thread.ForkedFromID != a || fork.Thread.ID == a {
		t.Fatalf("fork %+v", fork.Thread)
	}
	runTurn(t, s, fork.Thread.ID, "on the fork")
	// The listing names the source as thread/fork's result did; the
	// source itself was forked from nothing.
	s.result("thread/list", map[string]any{"cwd": e.work}, &list)
	forkedFrom := map[string]string{}
	for _, d := range list.Data {
		if d.ForkedFromID != nil {
			forkedFrom[d.ID] = *d.ForkedFromID
		}
	}
	if want := map[string]string{fork.Thread.ID: a}; !maps.Equal(forkedFrom, want) {
		t.Errorf("listed forkedFromId %v, want %v", forkedFrom, want)
	}

	s.result("thread/archive", map[string]any{"threadId": b}, nil)
	s.next("thread/archived")
	s.result("thread/list", map[string]any{}, &list)
	if slices.Contains(list.ids(), b) || !slices.Contains(list.ids(), a) {
		t.Errorf("after archive, list %v", list.ids())
	}
	s.result("thread/list", map[string]any{"archived": true}, &list)
	if !slices.Equal(list.ids(), []string{b}) {
		t.Errorf("archived list %v, want [%s]", list.ids(), b)
	}
	if m := s.call("turn/start", map[string]any{"threadId": b, "input": []any{}}); m.Error == nil {
		t.Errorf("turn/start on an archived (unloaded) thread: %s", m.raw)
	}
	s.result("thread/unarchive", map[string]any{"threadId": b}, nil)
	s.next("thread/unarchived")
	s.result("thread/list", map[string]any{}, &list)
	if !slices.Contains(list.ids(), b) {
		t.Errorf("after unarchive, list %v", list.ids())
	}

	s.result("thread/delete", map[string]any{"threadId": fork.Thread.ID}, nil)
	s.next("thread/deleted")
	if m := s.call("thread/read", map[string]any{"threadId": fork.Thread.ID}); m.Error == nil {
		t.Errorf("read of a deleted thread: %s", m.raw)
	}

	// A later server resumes a with its turns and goes on.
	_ = s.stdin.Close()
	<-s.done
	s2 := e.start(t)
	s2.initialize()
	var resumed threadResult
	s2.result("thread/resume", map[string]any{"threadId": a}, &resumed)
	s2.next("thread/started")
	if resumed.Thread.ID != a || len(resumed.Thread.Turns) != 1 {
		t.Fatalf("resumed %+v", resumed.Thread)
	}
	msgs := runTurn(t, s2, a, "and now?")
	var answered bool
	for _, m := range msgs {
		if m.Method == "item/completed" && params[itemNote](t, m).Item["text"] == "after resume" {
			answered = true
		}
	}
	if !answered {
		t.Errorf("no answer after resume in %v", methods(t, msgs, ""))
	}
	// The resumed request carried the earlier conversation.
	reqs := srv.Requests()
	last := string(reqs[len(reqs)-1].Raw)
	if !strings.Contains(last, "first question") || !strings.Contains(last, "answer one") {
		t.Errorf("the resumed turn's request lacks the earlier conversation")
	}
	if _, err := os.Stat(filepath.Join(e.home, "session_names.json")); err != nil {
		t.Errorf("names not stored: %v", err)
	}
}
