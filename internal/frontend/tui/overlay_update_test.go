package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// describe names an overlay's result for comparison.
func describe(msg tea.Msg) string {
	switch r := msg.(type) {
	case nil:
		return "nil"
	case pickerChosen:
		return fmt.Sprintf("chosen %d", r.i)
	case pickerKey:
		return "key " + r.key
	case elicitAnswered:
		return fmt.Sprintf("answered %s %s %v", r.server, r.resp.Action, r.resp.Content)
	case historyChosen:
		return "history " + r.text
	}
	return fmt.Sprintf("%T%v", msg, msg)
}

// Each overlay's update, alone: keys in, the result of the last key out.
func TestOverlayUpdate(t *testing.T) {
	t.Parallel()
	items := []popupItem{{label: "a"}, {label: "b"}, {label: "c"}}
	hist := &promptHistory{entries: []string{"fix the test", "write docs", "fix the build"}}
	tests := []struct {
		name string
		ov   func() overlay
		keys []string
		want string
	}{
		{"picker moves", func() overlay { return &picker{items: items} }, []string{"down"}, "nil"},
		{"picker chooses", func() overlay { return &picker{items: items} }, []string{"down", "j", "enter"}, "chosen 2"},
		{"picker wraps up", func() overlay { return &picker{items: items} }, []string{"up", "enter"}, "chosen 2"},
		{"picker cancels", func() overlay { return &picker{items: items} }, []string{"q"}, "tui.closeOverlay{}"},
		{"empty picker closes", func() overlay { return &picker{} }, []string{"enter"}, "tui.closeOverlay{}"},
		{"picker ignores a key", func() overlay { return &picker{items: items} }, []string{"tab"}, "nil"},
		{"picker passes a key on", func() overlay {
			return &picker{items: items, extra: func(string) tea.Msg { return nil }}
		}, []string{"tab"}, "key tab"},
		{"trust yes", func() overlay { return newTrustScreen("/p") }, []string{"y"}, "tui.trustAnswered{true}"},
		{"trust no", func() overlay { return newTrustScreen("/p") }, []string{"2"}, "tui.trustAnswered{false}"},
		{"trust toggles", func() overlay { return newTrustScreen("/p") }, []string{"down", "enter"}, "tui.trustAnswered{false}"},
		{"trust quits", func() overlay { return newTrustScreen("/p") }, []string{"ctrl+c"}, "tui.quitAsked{}"},
		{"help closes", func() overlay { return &helpOverlay{} }, []string{"x"}, "tui.closeOverlay{}"},
		{"history search", func() overlay { return newHistorySearch(hist) }, []string{"f", "i", "x", "enter"}, "history fix the build"},
		{"history search older", func() overlay { return newHistorySearch(hist) }, []string{"f", "i", "x", "ctrl+r", "tab"}, "history fix the test"},
		{"history search no match", func() overlay { return newHistorySearch(hist) }, []string{"z", "enter"}, "tui.closeOverlay{}"},
		{"history search cancels", func() overlay { return newHistorySearch(hist) }, []string{"f", "esc"}, "tui.closeOverlay{}"},
		{"pager scrolls", func() overlay { return newPager("/diff", []string{"1", "2", "3"}, func() int { return 1 }) }, []string{"down"}, "nil"},
		{"pager closes", func() overlay { return newPager("/diff", []string{"1"}, func() int { return 1 }) }, []string{"x"}, "tui.closeOverlay{}"},
		{"form sends", func() overlay { return newElicitForm(elicitReq()) }, []string{"A", "enter"},
			"answered ev accept map[check:false hero:h1 n:42 name:A]"},
		{"form needs a field", func() overlay { return newElicitForm(elicitReq()) }, []string{"enter"}, "nil"},
		{"form declines", func() overlay { return newElicitForm(elicitReq()) }, []string{"ctrl+d"}, "answered ev decline map[]"},
		{"form cancels", func() overlay { return newElicitForm(elicitReq()) }, []string{"esc"}, "answered ev cancel map[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ov := tt.ov()
			var got tea.Msg
			for _, k := range tt.keys {
				got = ov.update(keyMsg(k))
			}
			if diff := cmp.Diff(tt.want, describe(got)); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The pager keeps its page inside the rows as it scrolls.
func TestPagerUpdate(t *testing.T) {
	t.Parallel()
	rows := []string{"1", "2", "3", "4", "5"}
	tests := []struct {
		keys    []string
		wantTop int
	}{
		{[]string{"down"}, 1},
		{[]string{"end"}, 3},
		{[]string{"end", "up"}, 2},
		{[]string{"pgdown", "pgdown"}, 3},
		{[]string{"end", "g"}, 0},
		{[]string{"up"}, 0},
	}
	for _, tt := range tests {
		p := newPager("/diff", rows, func() int { return 2 })
		for _, k := range tt.keys {
			p.update(keyMsg(k))
		}
		if p.top != tt.wantTop {
			t.Errorf("%v: top = %d, want %d", tt.keys, p.top, tt.wantTop)
		}
	}
}

// The pickers and the form as they are drawn.
func TestOverlayGolden(t *testing.T) {
	t.Parallel()
	p := &picker{title: "Choose a model", items: []popupItem{{label: "gpt-5"}, {label: "gpt-5-codex", desc: "for code"}, {label: "o3"}}}
	p.markCurrent(1)
	p.update(keyMsg("down"))
	golden(t, "overlay_picker", ansi.Strip(p.view(60, 0)))

	f := newElicitForm(elicitReq())
	f.update(keyMsg("enter")) // Name is required
	golden(t, "overlay_elicit_form", ansi.Strip(f.view(72, 0)))
}

// An MCP server's answer is what the root submits.
func TestElicitAnsweredOp(t *testing.T) {
	t.Parallel()
	got := newElicitForm(protocol.McpElicitationRequest{RequestID: "e9", Server: "s"}).update(keyMsg("enter"))
	want := elicitAnswered{"s", protocol.McpElicitationResponse{RequestID: "e9", Action: protocol.ElicitAccept, Content: map[string]any{}}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(elicitAnswered{})); diff != "" {
		t.Errorf("answer mismatch (-want +got):\n%s", diff)
	}
}
