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
	"time"

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

// TestDisconnectInterruptsEveryTurn: a client that goes away with two
// turns running — one waiting on an approval it never answers, one
// streaming — interrupts both; the server exits and each transcript
// records its prompt and the interruption.
func TestDisconnectInterruptsEveryTurn(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Func(func(r *modeltest.Request) modeltest.Response {
		if strings.Contains(string(r.Raw), "ask me") {
			return modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","never-made"]}`))
		}
		return modeltest.StallAfter(6, modeltest.Text("a long answer that never ends"))
	})}, Loop: true})
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	paths := map[string]string{}
	for _, prompt := range []string{"ask me", "talk for ever"} {
		var res struct {
			Thread struct {
				ID   string  `json:"id"`
				Path *string `json:"path"`
			} `json:"thread"`
		}
		s.result("thread/start", map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"}, &res)
		if res.Thread.Path == nil {
			t.Fatal("a recorded thread has no path")
		}
		paths[prompt] = *res.Thread.Path
		startTurn(t, s, res.Thread.ID, prompt)
	}
	s.next("item/commandExecution/requestApproval")
	s.next("item/agentMessage/delta")
	_ = s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(wait):
		t.Fatal("the server did not exit after its client went away mid-turn")
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("the server exited with %v", err)
	}
	for prompt, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), prompt) || !strings.Contains(string(b), `"interrupted"`) {
			t.Errorf("the transcript of %q lacks the prompt or the interruption:\n%s", prompt, b)
		}
	}
	if _, err := os.Stat(filepath.Join(e.work, "never-made")); err == nil {
		t.Error("the unanswered command ran")
	}
}
