package session

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestNotifierPayload(t *testing.T) {
	var (
		mu   sync.Mutex
		runs [][]string
	)
	events := make(chan protocol.Event, 8)
	ended := make(chan struct{})
	n := startNotifier([]string{"notify-send", "-x"}, "kodex_tui", "/start", events, func() { t.Error("cancelled a session that ended") })
	n.start = func(argv []string) error {
		mu.Lock()
		runs = append(runs, argv)
		mu.Unlock()
		return nil
	}
	text := func(s string) protocol.InputItem { return protocol.InputItem{Type: protocol.InputText, Text: s} }

	events <- protocol.Event{Msg: protocol.SessionConfigured{SessionID: "thread-1", Cwd: "/repo"}}
	n.submitted("1", protocol.UserTurn{Items: []protocol.InputItem{text("a"), {Type: protocol.InputLocalImage, Path: "x.png"}, text("b")}})
	events <- protocol.Event{Msg: protocol.TurnComplete{TurnID: "1", LastMessage: "done"}}
	n.submitted("2", protocol.UserTurn{Items: []protocol.InputItem{text("aborted")}})
	events <- protocol.Event{Msg: protocol.TurnAborted{TurnID: "2"}}
	// Turn 3 completes before Submit has returned its id.
	events <- protocol.Event{Msg: protocol.TurnComplete{TurnID: "3"}}
	close(events)
	close(ended)
	n.close(ended)
	n.submitted("3", protocol.UserTurn{Items: []protocol.InputItem{text("quick")}, Cwd: "/elsewhere"})

	want := []notifyPayload{
		{Type: "agent-turn-complete", ThreadID: "thread-1", TurnID: "1", Cwd: "/repo", Client: "kodex_tui", InputMessages: []string{"a", "b"}, LastMessage: "done"},
		{Type: "agent-turn-complete", ThreadID: "thread-1", TurnID: "3", Cwd: "/elsewhere", Client: "kodex_tui", InputMessages: []string{"quick"}},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != len(want) {
		t.Fatalf("ran %d times, want %d: %q", len(runs), len(want), runs)
	}
	for i, argv := range runs {
		if len(argv) != 3 || argv[0] != "notify-send" || argv[1] != "-x" {
			t.Fatalf("run %d argv = %q, want the configured argv and the payload", i, argv)
		}
		wantJSON, _ := json.Marshal(want[i])
		if argv[2] != string(wantJSON) {
			t.Errorf("run %d payload:\n got %s\nwant %s", i, argv[2], wantJSON)
		}
	}
}

func TestNotifierCloseCancelsALiveSession(t *testing.T) {
	events := make(chan protocol.Event)
	cancelled := false
	n := startNotifier([]string{"true"}, "kodex_exec", "/", events, func() { cancelled = true; close(events) })
	n.close(make(chan struct{})) // the session still runs
	if !cancelled {
		t.Fatal("close did not cancel the subscription of a running session")
	}
}
