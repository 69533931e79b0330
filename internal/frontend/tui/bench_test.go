package tui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// benchModel returns an alt-screen model holding n transcript items of
// mixed kinds.
func benchModel(b *testing.B, n int) *model {
	b.Helper()
	m := newModel(context.Background(), Options{AltScreen: true, Session: newFakeSession()}, &recSink{})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	var evs []protocol.Event
	for i := range n {
		var msg protocol.EventMsg
		switch i % 4 {
		case 0:
			msg = protocol.AgentMessage{ItemID: "m", Text: sampleMarkdown}
		case 1:
			msg = protocol.ExecEnd{CallID: "c", ExitCode: 0, AggregatedOutput: numbered(20)}
		case 2:
			msg = protocol.PatchApplyEnd{CallID: "p", Success: true, Changes: []protocol.FileChange{{Path: "a.go", Kind: protocol.ChangeUpdate, UnifiedDiff: sampleDiff}}}
		default:
			msg = protocol.Reasoning{ItemID: "r", Text: "thinking about it"}
		}
		evs = append(evs, protocol.Event{Msg: msg})
	}
	m.Update(eventsMsg{gen: m.gen, events: evs})
	m.View()
	return m
}

// BenchmarkKeyToView measures one key press: Update plus View, with a
// 2,000-item transcript.
func BenchmarkKeyToView(b *testing.B) {
	m := benchModel(b, 2000)
	keys := []tea.KeyPressMsg{keyMsg("a"), keyMsg("backspace")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Update(keys[i%2])
		m.View()
	}
}

// BenchmarkRender compares a full re-render (new width, so no cache
// helps) of a 10- and a 2,000-item transcript: the cost must be flat.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, 2000} {
		b.Run(itoa(n)+"items", func(b *testing.B) {
			m := benchModel(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				m.Update(tea.WindowSizeMsg{Width: 90 + i%20, Height: 40})
				m.View()
			}
		})
	}
}

// BenchmarkStreamDelta measures one streamed delta in inline mode.
func BenchmarkStreamDelta(b *testing.B) {
	m := newModel(context.Background(), Options{Session: newFakeSession()}, &recSink{})
	m.hist.printHook = func(string) {}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		delta := "some words of a streamed answer "
		if i%20 == 0 {
			delta = "\n\n"
		}
		m.Update(eventsMsg{gen: m.gen, events: []protocol.Event{{Msg: protocol.AgentMessageDelta{ItemID: "m", Delta: delta}}}})
		m.View()
	}
}

// BenchmarkKeyWhileOutputStreams measures a key press while a command's
// output streams at ~10 MB/s: each iteration is the 64 KiB of output a
// 60 fps frame would bring in (10 MB/s ÷ 160 batches), then a key and a
// frame.
func BenchmarkKeyWhileOutputStreams(b *testing.B) {
	m := benchModel(b, 2000)
	m.Update(eventsMsg{gen: m.gen, events: []protocol.Event{{Msg: protocol.ExecBegin{CallID: "live", Command: []string{"make"}}}}})
	chunk := []byte(numbered(2048)) // ~64 KiB of lines
	for len(chunk) < 64<<10 {
		chunk = append(chunk, chunk...)
	}
	chunk = chunk[:64<<10]
	keys := []tea.KeyPressMsg{keyMsg("a"), keyMsg("backspace")}
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Update(eventsMsg{gen: m.gen, events: []protocol.Event{{Msg: protocol.ExecOutputDelta{CallID: "live", Chunk: chunk}}}})
		m.Update(keys[i%2])
		m.View()
	}
}

// BenchmarkPaste1MB measures accepting a 1 MB paste (collapsed to a
// placeholder) and drawing the next frame.
func BenchmarkPaste1MB(b *testing.B) {
	text := numbered(1 << 15)
	for len(text) < 1<<20 {
		text += text
	}
	text = text[:1<<20]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m := newModel(context.Background(), Options{Session: newFakeSession()}, &recSink{})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
		m.Update(tea.PasteMsg{Content: text})
		m.View()
	}
}
