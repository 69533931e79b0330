package session

import (
	"encoding/json"
	"os/exec"
	"sync"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// notifier runs the user's notify program (config notify) when a turn
// completes, as Codex does: the configured argv plus one argument, a JSON
// payload in Codex's shape. The program is started and not waited for; its
// output is discarded. It runs outside the sandbox, as the user's own
// program: only the user's config or the command line can set notify (a
// project file may not, see internal/config/restrict.go).
type notifier struct {
	argv   []string
	client string // "kodex_exec" or "kodex_tui" (Codex: "codex_exec", …)
	start  func(argv []string) error

	mu     sync.Mutex
	turns  map[string]notifyTurn            // submitted turns not yet ended, by submission id
	early  map[string]protocol.TurnComplete // turns that completed before Submit returned their id
	thread string
	cwd    string

	done   chan struct{}
	cancel func()
}

// notifyTurn is what the payload needs of a submitted turn.
type notifyTurn struct {
	inputs []string
	cwd    string
}

// notifyPayload is Codex's notify argument (its "agent-turn-complete").
type notifyPayload struct {
	Type          string   `json:"type"`
	ThreadID      string   `json:"thread-id"`
	TurnID        string   `json:"turn-id"`
	Cwd           string   `json:"cwd"`
	Client        string   `json:"client"`
	InputMessages []string `json:"input-messages"`
	LastMessage   string   `json:"last-assistant-message,omitempty"`
}

// startNotifier watches events (a subscription to the session's stream,
// cancel ends it) and runs argv for every completed turn.
func startNotifier(argv []string, client, cwd string, events <-chan protocol.Event, cancel func()) *notifier {
	n := &notifier{
		argv: argv, client: client, cwd: cwd, start: startDetached,
		turns: map[string]notifyTurn{}, early: map[string]protocol.TurnComplete{}, done: make(chan struct{}), cancel: cancel,
	}
	go n.run(events)
	return n
}

// submitted notes a turn the frontend submitted as id. A short turn may
// complete before Submit returns its id: then it is notified here.
func (n *notifier) submitted(id string, ut protocol.UserTurn) {
	t := notifyTurn{inputs: []string{}, cwd: ut.Cwd}
	for _, it := range ut.Items {
		if it.Type == protocol.InputText {
			t.inputs = append(t.inputs, it.Text)
		}
	}
	n.mu.Lock()
	m, done := n.early[id]
	delete(n.early, id)
	if !done {
		n.turns[id] = t
	}
	n.mu.Unlock()
	if done {
		n.notify(m, t)
	}
}

func (n *notifier) run(events <-chan protocol.Event) {
	defer close(n.done)
	for ev := range events {
		switch m := ev.Msg.(type) {
		case protocol.SessionConfigured:
			n.mu.Lock()
			n.thread, n.cwd = m.SessionID, m.Cwd
			n.mu.Unlock()
		case protocol.TurnComplete:
			n.mu.Lock()
			t, ok := n.turns[m.TurnID]
			delete(n.turns, m.TurnID)
			if !ok {
				n.early[m.TurnID] = m
			}
			n.mu.Unlock()
			if ok {
				n.notify(m, t)
			}
		case protocol.TurnAborted:
			n.forget(m.TurnID)
		case protocol.TurnFailed:
			n.forget(m.TurnID)
		}
	}
}

func (n *notifier) forget(id string) {
	n.mu.Lock()
	delete(n.turns, id)
	n.mu.Unlock()
}

func (n *notifier) notify(m protocol.TurnComplete, t notifyTurn) {
	n.mu.Lock()
	if t.cwd != "" {
		n.cwd = t.cwd // a turn's cwd stays for the turns after it
	}
	p := notifyPayload{
		Type: "agent-turn-complete", ThreadID: n.thread, TurnID: m.TurnID, Cwd: n.cwd,
		Client: n.client, InputMessages: t.inputs, LastMessage: m.LastMessage,
	}
	n.mu.Unlock()
	b, err := json.Marshal(p)
	if err != nil {
		return
	}
	argv := append(append([]string(nil), n.argv...), string(b))
	_ = n.start(argv) // a notifier that cannot start must not disturb the session
}

// close ends the watch. When the session has ended (ended is closed), the
// stream is read to its end first, so the last turn is notified even as
// kodex exits; otherwise the subscription is cancelled at once.
func (n *notifier) close(ended <-chan struct{}) {
	select {
	case <-ended:
	default:
		n.cancel()
	}
	<-n.done
}

// startDetached starts argv with no input or output and reaps it in the
// background.
func startDetached(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the user's configured notify program
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
