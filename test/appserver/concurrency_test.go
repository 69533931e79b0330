package appserver_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// echoPrompt is a stateless model for concurrent threads: it runs echo
// with the user's last words, then answers "done: " and them.
func echoPrompt() modeltest.Response {
	return modeltest.Func(func(r *modeltest.Request) modeltest.Response {
		var said string
		for _, it := range r.Input() {
			if it.Type == model.ItemMessage && it.Role == model.RoleUser {
				said = it.Text()
			}
		}
		if r.EndsWithToolOutput() {
			return modeltest.Text("done: " + said)
		}
		args, _ := json.Marshal(map[string]any{"command": []string{"echo", said}})
		return modeltest.Calls(modeltest.FunctionCall("shell", string(args)))
	})
}

// nextMsg is the next message, the backlog's first.
func nextMsg(s *server) msg {
	if len(s.backlog) > 0 {
		m := s.backlog[0]
		s.backlog = s.backlog[1:]
		return m
	}
	return s.recv()
}

// TestManyThreadsManyClients: several clients at once, over a unix socket
// and over WebSocket, each with several threads whose turns (a sandboxed
// command, then an answer) all run at the same time: every turn completes
// with its own command's output and its own answer, and a client hears of
// its own threads only.
func TestManyThreadsManyClients(t *testing.T) {
	t.Parallel()
	const clients, threads = 3, 3
	for _, kind := range []string{"unix", "ws"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{echoPrompt()}, Loop: true, KeepRequests: 1})
			e := newEnv(t, srv.URL())
			if err := os.WriteFile(filepath.Join(e.home, "config.toml"), []byte("openai_base_url = \""+srv.URL()+"\"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var dial func() *server
			switch kind {
			case "unix":
				sock := filepath.Join(filepath.Dir(e.home), "app.sock")
				e.listen(t, "--listen", "unix://"+sock)
				dial = func() *server {
					c, err := net.Dial("unix", sock)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = c.Close() })
					return newClient(t, c, c)
				}
			case "ws":
				const token = "a-long-random-capability-token-4567"
				tokenFile := filepath.Join(filepath.Dir(e.home), "token")
				if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
					t.Fatal(err)
				}
				url := e.listen(t, "--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", tokenFile)
				dial = func() *server {
					c, err := dialWS(url, http.Header{"Authorization": {"Bearer " + token}})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = c.Close() })
					return newClient(t, c, c.messages())
				}
			}
			conns := make([]*server, clients)
			prompt := map[string]string{} // thread → what its turn says
			owner := map[string]int{}     // thread → its client
			for i := range conns {
				conns[i] = dial()
				conns[i].initialize()
				for j := range threads {
					id := startThread(t, conns[i], map[string]any{"cwd": e.work, "sandbox": "read-only", "approvalPolicy": "never"})
					prompt[id], owner[id] = fmt.Sprintf("client-%d-thread-%d", i, j), i
				}
			}
			// Every turn starts before any is read to its end.
			for id, p := range prompt {
				startTurn(t, conns[owner[id]], id, p)
			}
			for i, s := range conns {
				output, answer, status := map[string]string{}, map[string]string{}, map[string]string{}
				for len(status) < threads {
					m := nextMsg(s)
					p := params[struct {
						ThreadID string         `json:"threadId"`
						Delta    string         `json:"delta"`
						Item     map[string]any `json:"item"`
						Turn     struct{ Status string }
					}](t, m)
					if p.ThreadID != "" && owner[p.ThreadID] != i {
						t.Fatalf("client %d got %s of thread %s (client %d's)", i, m.Method, p.ThreadID, owner[p.ThreadID])
					}
					switch m.Method {
					case "item/commandExecution/outputDelta":
						output[p.ThreadID] += p.Delta
					case "item/completed":
						if p.Item["type"] == "agentMessage" {
							answer[p.ThreadID], _ = p.Item["text"].(string)
						}
					case "turn/completed":
						status[p.ThreadID] = p.Turn.Status
					}
				}
				for id, st := range status {
					if st != "completed" || strings.TrimSpace(output[id]) != prompt[id] || answer[id] != "done: "+prompt[id] {
						t.Errorf("thread %s (%s) ended %s, its command said %q, it answered %q", id, prompt[id], st, output[id], answer[id])
					}
				}
			}
		})
	}
}
