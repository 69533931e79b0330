package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Printed batches never take more rows than the frame leaves free, so
// Bubble Tea's insert above the frame stays exact for a cell of any height.
func TestHistoryPrintsInBatchesThatFit(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{40, 12}, {80, 24}, {200, 60}} {
		h := newHistory(false)
		var batches []string
		h.printHook = func(s string) { batches = append(batches, s) }
		h.ready = true
		h.setSize(sz.w, sz.h)
		var body []string
		for i := 1; i <= 3*sz.h; i++ {
			body = append(body, fmt.Sprintf("row %d %s", i, strings.Repeat("x", sz.w))) // wider than the screen
		}
		h.add(&textCell{title: "T", body: strings.Join(body, "\n")}, sz.w)
		h.flush()
		room := printRoom(sz.h)
		var all []string
		for _, b := range batches {
			rows := strings.Split(b, "\n")
			if len(rows) > room {
				t.Errorf("%dx%d: a batch of %d rows, room is %d", sz.w, sz.h, len(rows), room)
			}
			for _, r := range rows {
				if w := ansi.StringWidth(r); w >= sz.w {
					t.Errorf("%dx%d: a printed row is %d columns: %q", sz.w, sz.h, w, r)
				}
			}
			all = append(all, rows...)
		}
		text := strings.Join(all, "\n")
		for i := 1; i <= 3*sz.h; i++ {
			if !strings.Contains(text, fmt.Sprintf("row %d x", i)) {
				t.Fatalf("%dx%d: row %d lost", sz.w, sz.h, i)
			}
		}
		if len(h.queue) != 0 {
			t.Errorf("%dx%d: %d rows left queued", sz.w, sz.h, len(h.queue))
		}
	}
}

// Nothing is printed before the first frame is on the screen.
func TestHistoryWaitsForTheFirstFrame(t *testing.T) {
	t.Parallel()
	h := newHistory(false)
	h.setSize(80, 24)
	h.add(&noticeCell{text: "hello"}, 80)
	if cmd := h.flush(); cmd != nil || h.idle() {
		t.Fatalf("printed before the first frame")
	}
	h.ready = true
	if cmd := h.flush(); cmd == nil {
		t.Fatalf("nothing printed once the frame is drawn")
	}
}

// The first frame counts as drawn at the terminal's second answer to a
// device attributes query: the first may arrive while the frame is still
// being written (see firstFrameDrawn). Until then nothing is printed.
func TestFirstFrameNeedsTwoAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.m.hist.printHook = nil
	h.m.hist.ready = false
	h.m.daAnswers = 0
	h.m.commit(&noticeCell{text: "hello"})

	cmd := h.send(uv.PrimaryDeviceAttributesEvent{})
	if h.m.hist.ready {
		t.Fatal("ready after the first answer")
	}
	if got := rawQueries(cmd); got != ansi.RequestPrimaryDeviceAttributes {
		t.Fatalf("after the first answer the model queries %q, want %q", got, ansi.RequestPrimaryDeviceAttributes)
	}
	if h.m.hist.printing {
		t.Fatal("printed after the first answer")
	}

	h.send(uv.PrimaryDeviceAttributesEvent{})
	if !h.m.hist.ready || !h.m.hist.printing {
		t.Fatalf("after the second answer: ready %v, printing %v; want both", h.m.hist.ready, h.m.hist.printing)
	}
	// A later answer (some other query's) asks nothing more.
	if got := rawQueries(h.send(uv.PrimaryDeviceAttributesEvent{})); got != "" {
		t.Fatalf("a third answer queries %q", got)
	}
}

// rawQueries runs cmd and returns the raw sequences it writes, looking into
// batches; it leaves other commands (timers, prints) alone.
func rawQueries(cmd tea.Cmd) string {
	if cmd == nil {
		return ""
	}
	switch msg := cmd().(type) {
	case tea.RawMsg:
		return fmt.Sprint(msg.Msg)
	case tea.BatchMsg:
		var b strings.Builder
		for _, c := range msg {
			b.WriteString(rawQueries(c))
		}
		return b.String()
	}
	return ""
}
