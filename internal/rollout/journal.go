package rollout

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Checkpoints reads the rollout at path, streaming, and returns the
// checkpoints of its turns (its turn_checkpoint events, in order): the
// snapshots a checkpoint store must keep for the session's undo. Other
// lines are not decoded; damaged ones are skipped.
func Checkpoints(path string) ([]protocol.TurnCheckpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	var out []protocol.TurnCheckpoint
	want := protocol.TurnCheckpoint{}.EventType()
	_, err = scan(f, func(n int, typ string, payload []byte) error {
		if typ != TypeEvent || eventType(payload) != want {
			return nil
		}
		var ev protocol.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return err
		}
		if m, ok := ev.Msg.(protocol.TurnCheckpoint); ok {
			out = append(out, m)
		}
		return nil
	}, nil, func(int, error) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
