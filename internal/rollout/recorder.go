package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Options configures a new rollout.
type Options struct {
	Home     string // $KODEX_HOME; the file goes under Home/sessions
	Cwd      string
	Model    string
	Provider string
	Version  string   // kodex version
	Git      *GitInfo // see CollectGit; nil: not recorded
	// ID is the session id; empty: a new UUID (version 7).
	ID string
	// ForkedFrom records the session this one continues a copy of.
	ForkedFrom string
	// Now returns the current time; nil: time.Now. For tests.
	Now func() time.Time
}

// Recorder appends lines to one rollout file. Its methods are safe for
// concurrent use; lines are written in call order.
type Recorder struct {
	mu   sync.Mutex
	f    *os.File // nil after Close
	path string
	id   string
	now  func() time.Time
	buf  bytes.Buffer // reused line buffer, guarded by mu
	// size is where the last whole line ends; failed, once a write has
	// failed, stops all recording (see appendLocked). Guarded by mu.
	size   int64
	failed error
}

// ErrStopped is returned by appends after a write failed: the transcript
// ends at the last line written whole, and nothing more is recorded.
var ErrStopped = errors.New("recording stopped")

// Create makes a new rollout file and writes its session_meta line.
func Create(opts Options) (*Recorder, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	id := opts.ID
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("making session id: %w", err)
		}
		id = u.String()
	}
	t := now()
	dir := filepath.Join(opts.Home, "sessions", t.Format("2006"), t.Format("01"), t.Format("02"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating rollout directory: %w", err)
	}
	path := filepath.Join(dir, "rollout-"+t.Format("2006-01-02T15-04-05")+"-"+id+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating rollout: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	r := &Recorder{f: f, path: path, id: id, now: now}
	meta := Meta{
		ID: id, Timestamp: t, Cwd: opts.Cwd, Model: opts.Model, Provider: opts.Provider,
		Version: opts.Version, Git: opts.Git, ForkedFrom: opts.ForkedFrom,
	}
	if err := r.append(TypeSessionMeta, meta); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return r, nil
}

// Open reopens an existing rollout to append to it (resume). A torn last
// line left by a crash is cut off first, so new lines start on a line of
// their own.
//
// The session is locked while the Recorder is open: a second process that
// opens it gets a *LockedError, so two processes never interleave their
// turns into one conversation.
func Open(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, err
	}
	meta, err := readMeta(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := cutTornTail(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Writes go on at the end; the lock keeps anyone else from appending.
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Recorder{f: f, path: path, id: meta.ID, now: time.Now, size: end}, nil
}

// LockedError reports a session another process (or this one) holds open.
type LockedError struct {
	Path string
	PID  int // the holder, 0 if unknown
}

func (e *LockedError) Error() string {
	who := "another kodex process"
	switch {
	case e.PID == os.Getpid():
		who = "this kodex process (it is open already)"
	case e.PID > 0:
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("the session is in use by %s: %s", who, e.Path)
}

// readMeta decodes the first line of f.
func readMeta(f io.ReadSeeker) (Meta, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Meta{}, err
	}
	br := bufio.NewReader(f)
	line, err := br.ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return Meta{}, fmt.Errorf("reading session meta: %w", err)
	}
	return decodeMeta(line)
}

func decodeMeta(line []byte) (Meta, error) {
	var l Line
	if err := json.Unmarshal(line, &l); err != nil {
		return Meta{}, fmt.Errorf("decoding session meta: %w", err)
	}
	if l.Type != TypeSessionMeta {
		return Meta{}, fmt.Errorf("not a rollout: first line is %q, want %q", l.Type, TypeSessionMeta)
	}
	var m Meta
	if err := json.Unmarshal(l.Payload, &m); err != nil {
		return Meta{}, fmt.Errorf("decoding session meta: %w", err)
	}
	return m, nil
}

// cutTornTail truncates f after its last newline, if it does not end in one.
func cutTornTail(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	end := size
	for end > 0 {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		b := buf[:n]
		if end == size && len(b) > 0 && b[len(b)-1] == '\n' {
			return nil // intact
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return f.Truncate(start + int64(i) + 1)
		}
		end = start
	}
	return f.Truncate(0)
}

// Path returns the rollout file's path.
func (r *Recorder) Path() string { return r.path }

// ID returns the session id.
func (r *Recorder) ID() string { return r.id }

// AppendItems records model-visible history items.
func (r *Recorder) AppendItems(items ...model.Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range items {
		if err := r.appendLocked(TypeResponseItem, it); err != nil {
			return err
		}
	}
	return nil
}

// AppendEvent records ev if its type is persisted (see Persisted) and does
// nothing otherwise, so callers may pass every event.
func (r *Recorder) AppendEvent(ev protocol.Event) error {
	if ev.Msg == nil || !Persisted(ev.Msg) {
		return nil
	}
	if m, ok := ev.Msg.(protocol.ExecEnd); ok && len(m.AggregatedOutput) > maxRecordedOutput {
		// The transcript keeps what a replay shows, not a megabyte per
		// command: the model's copy of the output is in the history.
		m.AggregatedOutput = clipMiddle(m.AggregatedOutput, maxRecordedOutput)
		ev.Msg = m
	}
	return r.append(TypeEvent, ev)
}

// maxRecordedOutput bounds a command's output as recorded in its exec_end
// event (head and tail).
const maxRecordedOutput = 32 << 10

// clipMiddle keeps about max bytes of s, its head and its tail, cut at
// rune boundaries, with a note of what was left out.
func clipMiddle(s string, max int) string {
	head, tail := max/2, max/2
	i := head
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	j := len(s) - tail
	for j < len(s) && !utf8.RuneStart(s[j]) {
		j++
	}
	return s[:i] + fmt.Sprintf("\n[... %d bytes not recorded ...]\n", j-i) + s[j:]
}

// AppendTurnContext records the settings of the turn about to run.
func (r *Recorder) AppendTurnContext(tc TurnContext) error {
	return r.append(TypeTurnContext, tc)
}

// AppendCompacted records that the history was replaced by c.History.
func (r *Recorder) AppendCompacted(c Compacted) error {
	if c.History == nil {
		c.History = []model.Item{}
	}
	return r.append(TypeCompacted, c)
}

// Err returns why recording stopped, or nil while it works.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Close closes the file. Appending after Close is an error.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return fmt.Errorf("closing rollout: %w", err)
	}
	return nil
}

// CopyFrom appends the lines of the rollout at path but its first (its
// session meta) as they are: a fork's rollout starts with everything its
// source recorded (the conversation, commands, edits, compactions, turn
// checkpoints), as Codex's forks do. Lines that are not rollout lines (a
// damaged one, a torn last one) are left out.
func (r *Recorder) CopyFrom(path string) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening rollout: %w", err)
	}
	defer src.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return fmt.Errorf("rollout %s: %w", r.path, os.ErrClosed)
	}
	if r.failed != nil {
		return fmt.Errorf("%w: %w", ErrStopped, r.failed)
	}
	var out bytes.Buffer
	flush := func() error {
		if out.Len() == 0 {
			return nil
		}
		err := r.writeLocked(out.Bytes())
		out.Reset()
		return err
	}
	br := bufio.NewReaderSize(src, 64<<10)
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("reading rollout %s: %w", path, rerr)
		}
		whole := len(line) > 0 && line[len(line)-1] == '\n'
		if _, _, _, ok := splitLine(line); ok && whole && n > 1 {
			out.Write(line)
		}
		if out.Len() >= 1<<20 || rerr != nil {
			if err := flush(); err != nil {
				return err
			}
		}
		if rerr != nil {
			return nil
		}
	}
}

func (r *Recorder) append(typ string, payload any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.appendLocked(typ, payload)
}

// appendLocked encodes one line and writes it with a single write.
func (r *Recorder) appendLocked(typ string, payload any) error {
	if r.f == nil {
		return fmt.Errorf("rollout %s: %w", r.path, os.ErrClosed)
	}
	if r.failed != nil {
		return fmt.Errorf("%w: %w", ErrStopped, r.failed)
	}
	r.buf.Reset()
	r.buf.WriteString(`{"timestamp":`)
	ts, _ := json.Marshal(r.now().UTC().Format(time.RFC3339Nano))
	r.buf.Write(ts)
	r.buf.WriteString(`,"type":"`)
	r.buf.WriteString(typ)
	r.buf.WriteString(`","payload":`)
	if m, ok := payload.(json.Marshaler); ok {
		// Written as it is: an Encoder would scan (compact) it once more.
		body, err := m.MarshalJSON()
		if err != nil {
			return fmt.Errorf("encoding %s line: %w", typ, err)
		}
		r.buf.Write(body)
		r.buf.WriteByte('\n')
	} else {
		enc := json.NewEncoder(&r.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(payload); err != nil { // Encode appends the newline
			return fmt.Errorf("encoding %s line: %w", typ, err)
		}
	}
	b := r.buf.Bytes()
	b[len(b)-1] = '}'
	b = append(b, '\n')
	err := r.writeLocked(b)
	if r.buf.Cap() > 1<<20 { // do not pin a huge buffer after a big image line
		r.buf = bytes.Buffer{}
	}
	return err
}

// writeLocked writes whole lines with a single write. On a failure (a full
// disk, a quota, an I/O error) it cuts any part that was written, so the
// file ends with a whole line, and stops recording (lines after a lost one
// would not make a valid conversation).
func (r *Recorder) writeLocked(b []byte) error {
	if _, err := r.f.Write(b); err != nil {
		r.failed = fmt.Errorf("writing %s: %w", r.path, err)
		if terr := r.f.Truncate(r.size); terr != nil {
			r.failed = fmt.Errorf("%w (and cutting the partial line: %w)", r.failed, terr)
		}
		return fmt.Errorf("%w: %w", ErrStopped, r.failed)
	}
	r.size += int64(len(b))
	return nil
}
