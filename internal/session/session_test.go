package session

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// runtimeFor is a Runtime on a fresh home whose config points at srv.
func runtimeFor(t testing.TB, srv *modeltest.Server) *Runtime {
	t.Helper()
	dir := t.TempDir()
	home, cwd := filepath.Join(dir, "home"), filepath.Join(dir, "work")
	for _, d := range []string{home, cwd} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := "openai_base_url = \"" + srv.URL() + "\"\nsandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPENAI_API_KEY": "sk-test", "HOME": dir}
	getenv := func(k string) string { return env[k] }
	c, err := config.Load(config.Options{Home: home, Cwd: cwd, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewRuntime(Options{Config: c, Cwd: cwd, Headless: true, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// runTurn submits one turn and waits for the session to end after it.
func runTurn(t *testing.T, s *Session, text string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Submit(ctx, protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: text}}}); err != nil {
		t.Error(err)
		return
	}
	for ev := range s.Events() {
		switch m := ev.Msg.(type) {
		case protocol.TurnComplete:
			_, _ = s.Submit(ctx, protocol.Shutdown{})
		case protocol.TurnFailed:
			t.Errorf("turn failed: %v", m.Error)
			_, _ = s.Submit(ctx, protocol.Shutdown{})
		}
	}
	s.Close()
}

// TestManySessionsOneClient: one runtime holds several sessions at once,
// all on its one model client, each recorded on its own; the store then
// lists, reads, forks, archives and deletes them.
func TestManySessionsOneClient(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Text("ok")}, Loop: true})
	rt := runtimeFor(t, srv)
	const n = 4
	sessions := make([]*Session, n)
	for i := range sessions {
		s, err := rt.Open(context.Background(), Spec{})
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runTurn(t, s, "question "+string(rune('a'+i)))
		}()
	}
	wg.Wait()
	if got := len(srv.Requests()); got != n {
		t.Errorf("%d model requests, want %d", got, n)
	}

	st := &Store{Home: rt.Home}
	page, err := st.ListPage(false, []string{rt.Cwd}, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Sessions) != 3 || page.Next == "" {
		t.Fatalf("first page: %d sessions, next %q", len(page.Sessions), page.Next)
	}
	rest, err := st.ListPage(false, []string{rt.Cwd}, 3, page.Next)
	if err != nil || len(rest.Sessions) != 1 || rest.Next != "" {
		t.Fatalf("second page: %+v, %v", rest, err)
	}

	id := sessions[0].ID
	r, err := st.Read(id, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Turns) != 1 || r.Turns[0].User[0] != "question a" || r.Turns[0].Answers[0] != "ok" {
		t.Errorf("read turns %+v", r.Turns)
	}
	fork, err := rt.Open(context.Background(), Spec{Resume: true, Fork: true, ResumeID: id})
	if err != nil {
		t.Fatal(err)
	}
	if fork.ForkedFrom != id || fork.ID == id || len(fork.RestoredHistory()) == 0 {
		t.Errorf("fork: id %s from %q with %d items", fork.ID, fork.ForkedFrom, len(fork.RestoredHistory()))
	}
	// The fork's rollout is its parent's, but for its meta: the same
	// conversation, context measure, turns and undo journal.
	parent, forked := loadByID(t, rt.Home, id), loadByID(t, rt.Home, fork.ID)
	if parent.Context <= 0 || forked.Context != parent.Context || forked.ContextAt != parent.ContextAt || forked.Turns != parent.Turns ||
		len(forked.History) != len(parent.History) || len(forked.Journal) != len(parent.Journal) || forked.Meta.ForkedFrom != id {
		t.Errorf("fork: context %d at %d, %d turns, %d items, %d journal entries, from %q; parent: %d at %d, %d turns, %d items, %d journal entries",
			forked.Context, forked.ContextAt, forked.Turns, len(forked.History), len(forked.Journal), forked.Meta.ForkedFrom,
			parent.Context, parent.ContextAt, parent.Turns, len(parent.History), len(parent.Journal))
	}
	runTurn(t, fork, "on the fork")

	if err := st.Archive(id); err != nil {
		t.Fatal(err)
	}
	archived, _ := st.ListPage(true, nil, 0, "")
	if len(archived.Sessions) != 1 || archived.Sessions[0].ID != id {
		t.Errorf("archived: %+v", archived.Sessions)
	}
	if _, err := rt.Open(context.Background(), Spec{Resume: true, ResumeID: id}); err == nil {
		t.Error("an archived session was resumed")
	}
	if _, err := st.Unarchive(id); err != nil {
		t.Fatal(err)
	}
	if err := st.SetName(id, "first"); err != nil || st.Names()[id] != "first" {
		t.Errorf("name: %v %v", err, st.Names())
	}
	if err := st.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Read(id, false); err == nil {
		t.Error("a deleted session was read")
	}
	if _, ok := st.Names()[id]; ok {
		t.Error("a deleted session kept its name")
	}
}

func loadByID(t *testing.T, home, id string) *rollout.Session {
	t.Helper()
	path, err := rollout.Find(home, id)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rollout.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TurnsOf is the conversation as the user saw it, less what a rewind took
// back: turns a and b, a rewind to before b, then c, is [a, c].
func TestTurnsOfAfterARewind(t *testing.T) {
	t.Parallel()
	rec, err := rollout.Create(rollout.Options{Home: t.TempDir(), Cwd: "/w"})
	if err != nil {
		t.Fatal(err)
	}
	turn := func(n int, prompt, answer string) {
		t.Helper()
		if err := rec.AppendItems(model.UserText(prompt)); err != nil {
			t.Fatal(err)
		}
		for _, ev := range []protocol.EventMsg{protocol.AgentMessage{Text: answer}, protocol.TurnCheckpoint{Turn: n, Prompt: prompt}} {
			if err := rec.AppendEvent(protocol.Event{Msg: ev}); err != nil {
				t.Fatal(err)
			}
		}
	}
	turn(1, "a", "A")
	turn(2, "b", "B")
	if err := rec.AppendEvent(protocol.Event{Msg: protocol.ConversationRewound{Turn: 2, Prompt: "b"}}); err != nil {
		t.Fatal(err)
	}
	turn(3, "c", "C")
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := TurnsOf(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	want := []Turn{{User: []string{"a"}, Answers: []string{"A"}}, {User: []string{"c"}, Answers: []string{"C"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TurnsOf (-want +got):\n%s", diff)
	}
}
