package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// committed names the reasoning cells in a result.
func committed(msg tea.Msg) []string {
	var out []string
	switch r := msg.(type) {
	case commitCell:
		out = append(out, r.c.(*reasoningCell).text)
	case results:
		for _, x := range r {
			out = append(out, committed(x)...)
		}
	}
	return out
}

// The reasoning component alone: summaries streamed and finished in, cells
// to commit out, each summary once.
func TestReasoningUpdate(t *testing.T) {
	t.Parallel()
	delta := func(id, d string) protocol.EventMsg { return protocol.ReasoningDelta{ItemID: id, Delta: d} }
	done := func(id, text string) protocol.EventMsg { return protocol.Reasoning{ItemID: id, Text: text} }
	tests := []struct {
		name       string
		events     []protocol.EventMsg
		moveOn     bool // the model moved on to its answer after the events
		want       []string
		wantStream string
	}{
		{"streaming commits nothing", []protocol.EventMsg{delta("r1", "Look"), delta("r1", "ing")}, false, nil, "Looking"},
		{"the finished summary is committed", []protocol.EventMsg{delta("r1", "Look"), done("r1", "Looking.")}, false, []string{"Looking."}, ""},
		{"a new item finishes the last", []protocol.EventMsg{delta("r1", "One."), delta("r2", "Two")}, false, []string{"One."}, "Two"},
		{"moving on commits the stream", []protocol.EventMsg{delta("r1", "One.")}, true, []string{"One."}, ""},
		{"a summary committed early is not committed again", []protocol.EventMsg{delta("r1", "One."), delta("r2", "Two"), done("r1", "One.")}, false, nil, "Two"},
		{"an empty summary is no cell", []protocol.EventMsg{done("r1", "  ")}, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r reasoningState
			var got []string
			for _, ev := range tt.events {
				got = committed(r.update(ev))
			}
			if tt.moveOn {
				got = committed(r.done())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("committed mismatch (-want +got):\n%s", diff)
			}
			if r.text != tt.wantStream {
				t.Errorf("streaming %q, want %q", r.text, tt.wantStream)
			}
		})
	}
}

// Ctrl+T: the hint says once, inline, that printed reasoning stays.
func TestReasoningToggle(t *testing.T) {
	t.Parallel()
	hints := func(msg tea.Msg) (out []string) {
		for _, x := range msg.(results) {
			switch x := x.(type) {
			case setHint:
				out = append(out, x.text)
			case reasoningToggled:
				out = append(out, map[bool]string{true: "expanded", false: "collapsed"}[x.expanded])
			}
		}
		return out
	}
	var r reasoningState
	if diff := cmp.Diff([]string{"expanded", "reasoning expanded from now on; printed reasoning stays as is"}, hints(r.toggle(false, false))); diff != "" {
		t.Errorf("first toggle inline (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"collapsed", "reasoning collapsed"}, hints(r.toggle(false, false))); diff != "" {
		t.Errorf("second toggle inline (-want +got):\n%s", diff)
	}
	var alt reasoningState
	if diff := cmp.Diff([]string{"expanded", "reasoning expanded"}, hints(alt.toggle(false, true))); diff != "" {
		t.Errorf("toggle in the alt screen (-want +got):\n%s", diff)
	}
	if got := alt.toggle(true, true); got != (setHint{"reasoning is hidden (hide_agent_reasoning)"}) || !alt.expanded {
		t.Errorf("toggle with reasoning hidden = %#v", got)
	}
}

// The summary being streamed, as the live area draws it.
func TestReasoningViewGolden(t *testing.T) {
	t.Parallel()
	var r reasoningState
	if r.view(60) != "" {
		t.Error("no summary draws something")
	}
	r.update(protocol.ReasoningDelta{ItemID: "r1", Delta: "**Reading the decoder**\n\nThe loop bound looks off by one; checking the tests first."})
	collapsed := r.view(60)
	r.toggle(false, false)
	golden(t, "reasoning_live", ansi.Strip(collapsed+"\n---\n"+r.view(60)))
}
