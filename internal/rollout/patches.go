package rollout

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Patches reads the rollout at path, streaming, and returns its meta and
// the patches the session applied successfully, in order (its
// patch_apply_end events with success; failed ones changed nothing). Other
// lines are skipped without being decoded.
func Patches(path string) (Meta, []protocol.PatchApplyEnd, error) {
	var meta Meta
	f, err := os.Open(path)
	if err != nil {
		return meta, nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	var out []protocol.PatchApplyEnd
	end := protocol.PatchApplyEnd{}.EventType()
	_, err = scan(f, func(n int, typ string, payload []byte) error {
		if n == 1 {
			if typ != TypeSessionMeta {
				return fmt.Errorf("not a rollout: first line is %q, want %q", typ, TypeSessionMeta)
			}
			return json.Unmarshal(payload, &meta)
		}
		if typ != TypeEvent || eventType(payload) != end {
			return nil
		}
		var ev protocol.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return err
		}
		if m, ok := ev.Msg.(protocol.PatchApplyEnd); ok && m.Success {
			out = append(out, m)
		}
		return nil
	}, nil, func(_ int, err error) error { return err })
	if err != nil {
		return meta, nil, fmt.Errorf("%s: %w", path, err)
	}
	return meta, out, nil
}
