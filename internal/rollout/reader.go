package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Session is what Load keeps of a rollout: enough to resume it.
type Session struct {
	Path string
	Meta Meta
	// History is the model-visible conversation, in order, as the next
	// request should send it (after the last compaction, if any).
	History []model.Item
	// TurnContext is the last recorded turn context, nil if none.
	TurnContext *TurnContext
	// Context is the context size the last TokenCount event reported
	// (tokens), and ContextAt the length of History then: what the
	// session's compaction estimate goes on from. 0 and 0 if none.
	Context   int64
	ContextAt int
	Totals
	// Journal holds the turn_checkpoint and files_restored events, in
	// order: the session's undo state (see internal/checkpoint.Journal).
	Journal []protocol.EventMsg
	// Torn is set when the last line was incomplete (a crash) and ignored.
	Torn bool
	// Skipped are the numbers of lines in the middle that could not be
	// read (damaged by hand or by a disk error) and were left out.
	Skipped []int
}

// Totals summarize a session without its content.
type Totals struct {
	// Turns counts the turns started (TurnStarted events), or, in rollouts
	// without those, the turns ended.
	Turns int
	// Usage is the session's token usage as of the last TokenCount event.
	Usage protocol.TokenUsage
	// FirstPrompt is the text of the first user message that is not
	// injected context (AGENTS.md instructions, environment context).
	FirstPrompt string
	// Updated is the timestamp of the last line.
	Updated time.Time
}

// Load reads the rollout at path, streaming: events are counted, not kept.
func Load(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	s := &Session{Path: path}
	t := totaler{totals: &s.Totals}
	var haveMeta bool
	torn, err := scan(f, func(n int, typ string, payload []byte) error {
		if n == 1 {
			if typ != TypeSessionMeta {
				return fmt.Errorf("not a rollout: first line is %q, want %q", typ, TypeSessionMeta)
			}
			haveMeta = true
			return json.Unmarshal(payload, &s.Meta)
		}
		switch typ {
		case TypeResponseItem:
			var it model.Item
			if err := json.Unmarshal(payload, &it); err != nil {
				return err
			}
			s.History = append(s.History, it)
			t.item(&it)
		case TypeTurnContext:
			var tc TurnContext
			if err := json.Unmarshal(payload, &tc); err != nil {
				return err
			}
			s.TurnContext = &tc
		case TypeCompacted:
			var c Compacted
			if err := json.Unmarshal(payload, &c); err != nil {
				return err
			}
			clear(s.History) // let the old items be collected
			s.History = c.History
		case TypeEvent:
			if typ := eventType(payload); typ == "turn_checkpoint" || typ == "files_restored" {
				var ev protocol.Event
				if err := json.Unmarshal(payload, &ev); err != nil {
					return err
				}
				s.Journal = append(s.Journal, ev.Msg)
				return nil
			}
			if tc, ok, err := t.event(payload); err != nil || !ok {
				return err
			} else if tc.ContextUsed > 0 {
				s.Context, s.ContextAt = tc.ContextUsed, len(s.History)
			}
		}
		return nil // unknown line types are from newer versions: skip
	}, &s.Updated, func(n int, err error) error {
		if n == 1 {
			return err
		}
		s.Skipped = append(s.Skipped, n) // a damaged line: resume goes on without it
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !haveMeta {
		return nil, fmt.Errorf("%s: empty rollout", path)
	}
	t.finish()
	s.Torn = torn
	return s, nil
}

// totaler accumulates Totals from lines.
type totaler struct {
	totals        *Totals
	started, ends int
}

func (t *totaler) item(it *model.Item) {
	if t.totals.FirstPrompt != "" || it.Type != model.ItemMessage || it.Role != model.RoleUser {
		return
	}
	text := strings.TrimSpace(it.Text())
	if text != "" && !injected(text) {
		t.totals.FirstPrompt = text
	}
}

// event counts turns and picks up token usage, decoding only the events
// that matter. It returns the TokenCount, if the event is one.
func (t *totaler) event(payload []byte) (protocol.TokenCount, bool, error) {
	switch eventType(payload) {
	case "turn_started":
		t.started++
	case "turn_complete", "turn_aborted", "turn_failed":
		t.ends++
	case "token_count":
		var ev protocol.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return protocol.TokenCount{}, false, err
		}
		if tc, ok := ev.Msg.(protocol.TokenCount); ok {
			t.totals.Usage = tc.Total
			return tc, true, nil
		}
	}
	return protocol.TokenCount{}, false, nil
}

func (t *totaler) finish() {
	t.totals.Turns = t.started
	if t.started == 0 {
		t.totals.Turns = t.ends
	}
}

// injected reports whether a user message is context kodex added rather than
// something the user typed.
func injected(text string) bool {
	for _, p := range []string{"<environment_context>", "# AGENTS.md instructions for ", "<user_instructions>", "The earlier part of this conversation was compacted"} {
		if strings.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

var msgTag = []byte(`"msg":{"type":"`)

// eventType returns the payload type of an encoded protocol.Event without
// decoding it. Quotes inside JSON strings are escaped, so the first match of
// msgTag is the real one.
func eventType(payload []byte) string {
	i := bytes.Index(payload, msgTag)
	if i < 0 {
		var ev struct {
			Msg struct {
				Type string `json:"type"`
			} `json:"msg"`
		}
		if json.Unmarshal(payload, &ev) != nil {
			return ""
		}
		return ev.Msg.Type
	}
	rest := payload[i+len(msgTag):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// scan calls fn for every complete line of r with its 1-based number, type
// and raw payload (valid only during the call), and records the last line's
// timestamp in updated. A final line without a newline that does not parse
// is a torn write: it is skipped and reported. Any other bad line is an
// error if strict, and skipped otherwise. An error from fn stops the scan.
//
// A line that is not a rollout line, or that fn fails on, is passed to bad
// with the error: when bad returns nil the line is skipped, else scan stops
// with bad's error. With bad nil, malformed lines are skipped and fn's
// errors stop the scan. A torn last line (a crash mid-write) is neither:
// scan reports it as torn.
func scan(r io.Reader, fn func(n int, typ string, payload []byte) error, updated *time.Time, bad func(n int, err error) error) (torn bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // reused for lines longer than the reader's buffer
	for n := 1; ; n++ {
		line, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(rerr, bufio.ErrBufferFull) {
				line, rerr = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return false, rerr
		}
		last := rerr != nil // EOF: no newline at the end
		if len(bytes.TrimSpace(line)) == 0 {
			if last {
				return false, nil
			}
			continue
		}
		ts, typ, payload, ok := splitLine(line)
		if !ok {
			switch {
			case last:
				return true, nil
			case bad == nil:
				continue
			}
			if err := bad(n, fmt.Errorf("line %d: malformed rollout line", n)); err != nil {
				return false, err
			}
			continue
		}
		if err := fn(n, typ, payload); err != nil {
			if last {
				return true, nil
			}
			err = fmt.Errorf("line %d: %s: %w", n, typ, err)
			if bad == nil {
				return false, err
			}
			if err := bad(n, err); err != nil {
				return false, err
			}
			continue
		}
		if updated != nil {
			if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				*updated = t
			}
		}
		if last {
			return false, nil
		}
	}
}

var (
	headTimestamp = []byte(`{"timestamp":"`)
	headType      = []byte(`","type":"`)
	headPayload   = []byte(`","payload":`)
)

// splitLine parses the envelope of one line. Lines written by Recorder are
// split without decoding; anything else goes through encoding/json.
func splitLine(line []byte) (ts, typ string, payload []byte, ok bool) {
	line = bytes.TrimSpace(line)
	if rest, found := bytes.CutPrefix(line, headTimestamp); found {
		if i := bytes.Index(rest, headType); i >= 0 {
			ts, rest = string(rest[:i]), rest[i+len(headType):]
			if j := bytes.Index(rest, headPayload); j >= 0 && bytes.HasSuffix(rest, []byte("}")) {
				// The payload is validated by whoever decodes it; skipped
				// lines are not decoded at all.
				return ts, string(rest[:j]), rest[j+len(headPayload) : len(rest)-1], true
			}
		}
	}
	var l struct {
		Timestamp string          `json:"timestamp"`
		Type      string          `json:"type"`
		Payload   json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(line, &l) != nil || l.Type == "" {
		return "", "", nil, false
	}
	return l.Timestamp, l.Type, l.Payload, true
}
