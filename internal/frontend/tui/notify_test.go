package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestNotificationSeq(t *testing.T) {
	tests := []struct {
		name string
		n    Notify
		body string
		want string
	}{
		{"osc 9", Notify{}, "Done: all tests pass", "\x1b]9;kodex: Done: all tests pass\x07"},
		{"osc 777", Notify{OSC777: true}, "a;b", "\x1b]777;notify;kodex;a,b\x07"},
		{"tmux", Notify{Tmux: true}, "ok", "\x1bPtmux;\x1b\x1b]9;kodex: ok\x07\x1b\\"},
		{"hostile text cannot end the sequence", Notify{}, "x\x07\x1b]52;c;ZXZpbA==\x07\u009c y", "\x1b]9;kodex: x]52;c;ZXZpbA== y\x07"},
		{"first line only", Notify{}, "  line one\nline two", "\x1b]9;kodex: line one\x07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.n.notificationSeq(tt.body); got != tt.want {
				t.Errorf("notificationSeq(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

// Notifications go out only when enabled and the terminal has lost the
// focus: a turn that ends, an approval that waits.
func TestDesktopNotifications(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		var sent []string
		h := newHarness(t, Options{Notify: Notify{Enabled: enabled}, notifyHook: func(s string) { sent = append(sent, s) }})
		if got := h.m.View().ReportFocus; got != enabled {
			t.Errorf("enabled=%v: ReportFocus = %v", enabled, got)
		}
		h.events(protocol.TurnStarted{TurnID: "1"}, protocol.TurnComplete{TurnID: "1", LastMessage: "focused: no notification"})
		h.send(tea.BlurMsg{})
		h.events(protocol.TurnStarted{TurnID: "2"}, protocol.ExecApprovalRequest{CallID: "c", Command: []string{"rm", "-rf", "build"}})
		h.events(protocol.TurnComplete{TurnID: "2", LastMessage: "All done.\nDetails follow."})
		h.send(tea.FocusMsg{})
		h.events(protocol.TurnStarted{TurnID: "3"}, protocol.TurnComplete{TurnID: "3", LastMessage: "focused again"})
		var want []string
		if enabled {
			want = []string{"\x1b]9;kodex: Approval needed to run rm -rf build\x07", "\x1b]9;kodex: All done.\x07"}
		}
		if len(sent) != len(want) {
			t.Fatalf("enabled=%v: sent %q, want %q", enabled, sent, want)
		}
		for i := range want {
			if sent[i] != want[i] {
				t.Errorf("enabled=%v: notification %d = %q, want %q", enabled, i, sent[i], want[i])
			}
		}
	}
}
