package appserver_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestUnixSocketClients: with --listen unix://PATH several clients are
// served at once, each with its own threads; the socket is its owner's
// only.
func TestUnixSocketClients(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Text("hello from kodex")}, Loop: true})
	e := newEnv(t, srv.URL())
	if err := os.WriteFile(filepath.Join(e.home, "config.toml"), []byte("openai_base_url = \""+srv.URL()+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(filepath.Dir(e.home), "app.sock")
	if got := e.listen(t, "--listen", "unix://"+sock); got != "unix://"+sock {
		t.Fatalf("listening on %s, want unix://%s", got, sock)
	}
	st, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", st.Mode().Perm())
	}
	var clients []*server
	for range 2 {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		cl := newClient(t, c, c)
		cl.initialize()
		clients = append(clients, cl)
	}
	threads := make([]string, len(clients))
	for i, cl := range clients {
		threads[i] = startThread(t, cl, map[string]any{"cwd": e.work})
		startTurn(t, cl, threads[i], "hi")
	}
	for i, cl := range clients {
		for _, m := range cl.until("turn/completed") {
			if p := params[struct{ ThreadID string }](t, m); p.ThreadID != "" && p.ThreadID != threads[i] {
				t.Errorf("client %d got another client's thread's %s", i, m.Method)
			}
		}
	}
	// A thread is loaded on its own connection only.
	if m := clients[1].call("turn/start", map[string]any{"threadId": threads[0], "input": []any{}}); m.Error == nil {
		t.Errorf("a client drove another client's thread: %s", m.raw)
	}
}
