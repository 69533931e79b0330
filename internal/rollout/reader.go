package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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
	// Rewound: the conversation was rewound (in the session, or it is a
	// fork made by a rewind).
	Rewound bool
}

// Load reads the rollout at path, streaming: events are counted, not kept,
// and the history is decoded only from the last compacted line on (what
// came before it is not sent again), in a second read of just those lines,
// so that the memory a resume takes is the history it sends and no more.
func Load(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	s := &Session{Path: path}
	t := totaler{totals: &s.Totals}
	var haveMeta bool
	// The history is the last compacted line's (decoded when read: it is
	// short, unless a rewind wrote it) and the items after it, kept as
	// places in the file until the end.
	var items []span
	contextAt := -1 // the token count's place in items; -1: none since the base
	torn, _, err := scanAt(f, span{}, func(n int, at span, typ string, payload []byte) error {
		if n == 1 {
			if typ != TypeSessionMeta {
				return fmt.Errorf("not a rollout: first line is %q, want %q", typ, TypeSessionMeta)
			}
			haveMeta = true
			return json.Unmarshal(payload, &s.Meta)
		}
		switch typ {
		case TypeResponseItem:
			if s.FirstPrompt == "" && bytes.Contains(payload, roleUser) {
				var it model.Item
				if err := json.Unmarshal(payload, &it); err != nil {
					return err
				}
				t.item(&it)
			}
			items = append(items, at)
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
			if contextAt >= 0 {
				s.ContextAt = len(s.History) + contextAt
			}
			clear(s.History) // let the old items be collected
			s.History, items, contextAt = c.History, items[:0], -1
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
				s.Context, contextAt = tc.ContextUsed, len(items)
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
	base := len(s.History)
	if err := s.readItems(f, items); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if contextAt >= 0 {
		// Items left out as damaged were not there when the count was
		// taken either: count those read before it.
		s.ContextAt = base + contextAt - s.skippedBefore(items, contextAt)
	}
	t.finish()
	s.Torn = s.Torn || torn
	return s, nil
}

// readItems decodes the response items at spans of f into the history. A
// line that does not decode is a damaged one (Skipped), or, the file's last
// one without its newline, a torn write (Torn).
func (s *Session) readItems(f *os.File, spans []span) error {
	s.History = slices.Grow(s.History, len(spans))
	var buf []byte
	var bad []int
	for _, at := range spans {
		if cap(buf) < at.size {
			buf = make([]byte, at.size)
		}
		line := buf[:at.size]
		if _, err := f.ReadAt(line, at.off); err != nil {
			return fmt.Errorf("reading line %d: %w", at.n, err)
		}
		var it model.Item
		_, _, payload, ok := splitLine(line)
		if !ok || json.Unmarshal(payload, &it) != nil {
			if line[len(line)-1] != '\n' {
				s.Torn = true
				continue
			}
			bad = append(bad, at.n)
			continue
		}
		s.History = append(s.History, it)
	}
	if len(bad) > 0 {
		s.Skipped = append(s.Skipped, bad...)
		slices.Sort(s.Skipped)
	}
	return nil
}

// skippedBefore counts the lines of the first k spans that were skipped.
func (s *Session) skippedBefore(spans []span, k int) int {
	n := 0
	for _, at := range spans[:k] {
		if _, found := slices.BinarySearch(s.Skipped, at.n); found {
			n++
		}
	}
	return n
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
	case "conversation_rewound":
		t.totals.Rewound = true
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
	torn, _, err = scanAt(r, span{}, func(n int, _ span, typ string, payload []byte) error { return fn(n, typ, payload) }, updated, bad)
	return torn, err
}

// span is where a line is in its file: its number, offset and length
// (with its newline).
type span struct {
	n    int
	off  int64
	size int
}

// scanAt is scan, telling fn where each line is, for r positioned after
// the lines and bytes from has counted. It returns, in done, the place
// after the last line that ended with a newline: where a later scan of the
// same (append-only) file can go on from.
func scanAt(r io.Reader, from span, fn func(n int, at span, typ string, payload []byte) error, updated *time.Time, bad func(n int, err error) error) (torn bool, done span, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // reused for lines longer than the reader's buffer
	off := from.off
	done = span{n: from.n, off: from.off}
	for n := from.n + 1; ; n++ {
		line, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(rerr, bufio.ErrBufferFull) {
				line, rerr = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		at := span{n: n, off: off, size: len(line)}
		off += int64(len(line))
		if len(line) > 0 && line[len(line)-1] == '\n' {
			done = span{n: n, off: off}
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return false, done, rerr
		}
		last := rerr != nil // EOF: no newline at the end
		if len(bytes.TrimSpace(line)) == 0 {
			if last {
				return false, done, nil
			}
			continue
		}
		ts, typ, payload, ok := splitLine(line)
		if !ok {
			switch {
			case last:
				return true, done, nil
			case bad == nil:
				continue
			}
			if err := bad(n, fmt.Errorf("line %d: malformed rollout line", n)); err != nil {
				return false, done, err
			}
			continue
		}
		if err := fn(n, at, typ, payload); err != nil {
			if last {
				return true, done, nil
			}
			err = fmt.Errorf("line %d: %s: %w", n, typ, err)
			if bad == nil {
				return false, done, err
			}
			if err := bad(n, err); err != nil {
				return false, done, err
			}
			continue
		}
		if updated != nil {
			if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				*updated = t
			}
		}
		if last {
			return false, done, nil
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
