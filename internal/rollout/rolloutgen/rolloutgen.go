// Package rolloutgen writes realistic session transcripts, in the rollout
// format internal/rollout reads, for benchmarks (bench/resume.sh) and for
// the tests that keep resume's memory budget: turns of user and assistant
// messages, reasoning, shell calls with large outputs (the model's copy cut
// to ~10 KiB as the shell tool cuts it, the exec_end event's to 32 KiB as
// the recorder does), token counts and compactions.
//
// It writes the lines itself (the documented envelope), so that it does not
// depend on the package it feeds. It is never linked into the kodex binary.
package rolloutgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Options describes the transcript to write.
type Options struct {
	Home string // $KODEX_HOME: the file goes under Home/sessions/YYYY/MM/DD
	Cwd  string
	Now  time.Time // the session's creation time; zero: time.Now()
	// Rand drives the content; nil: a fixed seed.
	Rand *rand.Rand

	// Either a number of turns of CallsPerTurn (default 8) shell calls
	// each, or, with Bytes > 0, as many turns as make about Bytes bytes of
	// transcript, the last LiveBytes (about) of history after the last of
	// Compactions compacted lines.
	Turns, CallsPerTurn int
	Bytes, LiveBytes    int64
	Compactions         int

	// ModelOutput and EventOutput are the sizes of a call's output in the
	// history (default 10 KiB) and in its exec_end event (default 32 KiB).
	ModelOutput, EventOutput int
}

// Stats says what Write wrote.
type Stats struct {
	ID    string
	Path  string
	Bytes int64
	// LiveBytes is the size, as recorded, of the history a resume starts
	// from (the last compacted line's and the response items after it).
	LiveBytes int64
	// LiveItems is the number of items in that history.
	LiveItems int
	// LastUser is the text of the last user message.
	LastUser string
}

// Write writes one transcript and returns its id.
func Write(o Options) (string, error) {
	st, err := WriteStats(o)
	return st.ID, err
}

// WriteStats writes one transcript and says what it holds.
func WriteStats(o Options) (Stats, error) {
	g := newGen(o)
	if err := g.open(); err != nil {
		return Stats{}, err
	}
	err := g.run()
	if cerr := g.close(); err == nil {
		err = cerr
	}
	return g.stats, err
}

type gen struct {
	o     Options
	rng   *rand.Rand
	f     *os.File
	w     *bufio.Writer
	now   time.Time
	stats Stats
	call  int
	items int // in the history since the last compaction
	users []string
}

func newGen(o Options) *gen {
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(7, 11))
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.CallsPerTurn <= 0 {
		o.CallsPerTurn = 8
	}
	if o.ModelOutput <= 0 {
		o.ModelOutput = 10 << 10
	}
	if o.EventOutput <= 0 {
		o.EventOutput = 32 << 10
	}
	return &gen{o: o, rng: o.Rand, now: o.Now}
}

func (g *gen) open() error {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.IntN(256))
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	g.stats.ID = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	t := g.o.Now
	dir := filepath.Join(g.o.Home, "sessions", t.Format("2006"), t.Format("01"), t.Format("02"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	g.stats.Path = filepath.Join(dir, "rollout-"+t.Format("2006-01-02T15-04-05")+"-"+g.stats.ID+".jsonl")
	f, err := os.OpenFile(g.stats.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	g.f, g.w = f, bufio.NewWriterSize(f, 1<<20)
	return g.line("session_meta", map[string]any{
		"id": g.stats.ID, "timestamp": t, "cwd": g.o.Cwd, "model": "gpt-5.5", "provider": "openai", "kodex_version": "bench",
	})
}

func (g *gen) close() error {
	err := g.w.Flush()
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// line writes one rollout line and returns its size.
func (g *gen) line(typ string, payload any) error {
	_, err := g.sized(typ, payload)
	return err
}

func (g *gen) sized(typ string, payload any) (int, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	g.now = g.now.Add(time.Second)
	n, err := fmt.Fprintf(g.w, `{"timestamp":%q,"type":%q,"payload":%s}`+"\n", g.now.UTC().Format(time.RFC3339Nano), typ, p)
	g.stats.Bytes += int64(n)
	return n, err
}

func (g *gen) item(it model.Item) error {
	n, err := g.sized("response_item", it)
	g.stats.LiveBytes += int64(n)
	g.stats.LiveItems++
	g.items++
	return err
}

func (g *gen) event(msg protocol.EventMsg) error {
	return g.line("event", protocol.Event{Msg: msg})
}

func (g *gen) run() error {
	if g.o.Bytes <= 0 {
		for i := range max(g.o.Turns, 1) {
			if err := g.turn(i); err != nil {
				return err
			}
		}
		return nil
	}
	// Compact evenly over the part before the live history.
	before := g.o.Bytes - g.o.LiveBytes*4 // a turn writes ~4× its history in all
	next := int64(-1)
	if g.o.Compactions > 0 && before > 0 {
		next = before / int64(g.o.Compactions)
	}
	done := 0
	for i := 0; g.stats.Bytes < g.o.Bytes; i++ {
		if next >= 0 && g.stats.Bytes >= next && done < g.o.Compactions {
			if err := g.compact(); err != nil {
				return err
			}
			done++
			next = before * int64(done+1) / int64(g.o.Compactions)
		}
		if err := g.turn(i); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) compact() error {
	hist := []model.Item{}
	for _, u := range g.users[max(len(g.users)-3, 0):] {
		hist = append(hist, model.UserText(u))
	}
	summary := "The earlier part of this conversation was compacted. Summary:\n" + g.text(6<<10)
	hist = append(hist, model.UserText(summary))
	before := g.items
	g.items = len(hist)
	if err := g.line("compacted", map[string]any{"summary": summary, "history": hist}); err != nil {
		return err
	}
	g.stats.LiveItems = len(hist)
	b, _ := json.Marshal(hist)
	g.stats.LiveBytes = int64(len(b))
	return g.event(protocol.TokenCount{ContextUsed: int64(before) * 2500, Total: protocol.TokenUsage{InputTokens: int64(before) * 2500}})
}

// turn writes one turn: context, the user's message, reasoning, calls with
// their outputs and end events, the answer, token counts.
func (g *gen) turn(i int) error {
	turnID := fmt.Sprintf("turn-%d", i)
	user := fmt.Sprintf("Step %d: %s", i, g.text(200+g.rng.IntN(600)))
	g.users = append(g.users, user)
	if err := g.line("turn_context", map[string]any{
		"turn_id": turnID, "cwd": g.o.Cwd, "model": "gpt-5.5", "approval_policy": "on-request",
		"sandbox_policy": map[string]any{"mode": "workspace-write"},
	}); err != nil {
		return err
	}
	if err := g.event(protocol.TurnStarted{TurnID: turnID}); err != nil {
		return err
	}
	if err := g.item(model.UserText(user)); err != nil {
		return err
	}
	for c := range g.o.CallsPerTurn {
		thought := g.text(300 + g.rng.IntN(900))
		if c%3 == 0 {
			if err := g.item(model.Item{Type: model.ItemReasoning, Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: thought}},
				EncryptedContent: g.opaque(1500)}); err != nil {
				return err
			}
			if err := g.event(protocol.Reasoning{Text: thought}); err != nil {
				return err
			}
		}
		if err := g.shellCall(); err != nil {
			return err
		}
	}
	answer := g.text(500 + g.rng.IntN(2500))
	if err := g.item(model.Item{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: answer}}}); err != nil {
		return err
	}
	if err := g.event(protocol.AgentMessage{Text: answer}); err != nil {
		return err
	}
	used := g.stats.LiveBytes / 4
	if err := g.event(protocol.TokenCount{ContextUsed: used, Last: protocol.TokenUsage{InputTokens: used, OutputTokens: 900},
		Total: protocol.TokenUsage{InputTokens: int64(i+1) * used, OutputTokens: int64(i+1) * 900}}); err != nil {
		return err
	}
	g.stats.LastUser = user
	return g.event(protocol.TurnComplete{TurnID: turnID, LastMessage: answer})
}

func (g *gen) shellCall() error {
	g.call++
	id := fmt.Sprintf("call_%06d", g.call)
	argv := []string{"bash", "-lc", fmt.Sprintf("grep -rn %q internal/ | head -400", g.word())}
	args, _ := json.Marshal(map[string]any{"command": argv, "workdir": g.o.Cwd})
	if err := g.item(model.Item{Type: model.ItemFunctionCall, Name: "shell", CallID: id, Arguments: string(args)}); err != nil {
		return err
	}
	out := g.code(g.o.EventOutput)
	modelOut := out
	if len(modelOut) > g.o.ModelOutput {
		h := g.o.ModelOutput / 2
		modelOut = out[:h] + fmt.Sprintf("\n[... %d bytes cut ...]\n", len(out)-2*h) + out[len(out)-h:]
	}
	if err := g.item(model.Item{Type: model.ItemFunctionCallOutput, CallID: id,
		Output: "Exit code: 0\nWall time: 0.4 seconds\nOutput:\n" + modelOut}); err != nil {
		return err
	}
	return g.event(protocol.ExecEnd{CallID: id, Command: argv, AggregatedOutput: out, Duration: protocol.Duration(400 * time.Millisecond)})
}

var words = strings.Fields(`the session resume rollout history compaction agent model request tool shell output
memory stream decode line file error context window token summary checkpoint workspace patch apply
func return struct interface package import type string int byte slice map channel goroutine defer`)

func (g *gen) word() string { return words[g.rng.IntN(len(words))] }

// text is prose of about n bytes.
func (g *gen) text(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(g.word())
		switch g.rng.IntN(12) {
		case 0:
			b.WriteString(". ")
		case 1:
			b.WriteString(", \"quoted\" ")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// code is grep-like output of about n bytes: paths, line numbers, source
// with tabs and quotes (escaped in JSON, as real outputs are).
func (g *gen) code(n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "internal/%s/%s.go:%d:\t%s := %s(\"%s\", %d)\n", g.word(), g.word(), g.rng.IntN(900)+1, g.word(), g.word(), g.word(), g.rng.IntN(100))
	}
	return b.String()
}

func (g *gen) opaque(n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[g.rng.IntN(len(abc))]
	}
	return string(b)
}
