package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Notify configures desktop notifications (config tui.notifications): when
// a turn ends or an approval waits while the terminal does not have the
// focus, kodex asks the terminal to show a notification. Focus comes from
// the terminal's focus reports (mode 1004); a terminal that sends none never
// loses the focus, so it is never notified.
type Notify struct {
	Enabled bool
	// OSC777 uses `ESC ] 777 ; notify ; title ; body BEL` (rxvt, foot,
	// VTE-based terminals) rather than `ESC ] 9 ; body BEL` (iTerm2,
	// WezTerm, Ghostty, Windows Terminal, kitty).
	OSC777 bool
	// Tmux wraps the sequence in tmux's passthrough (tmux needs
	// `set -g allow-passthrough on` to forward it).
	Tmux bool
}

// maxNotifyBody bounds the text of one notification.
const maxNotifyBody = 120

// notificationSeq is the escape sequence that asks the terminal to show
// body. body comes from the model or a command: control characters (which
// could end the sequence and inject others) are dropped.
func (n Notify) notificationSeq(body string) string {
	body = notifyText(body)
	var seq string
	if n.OSC777 {
		seq = "\x1b]777;notify;kodex;" + strings.ReplaceAll(body, ";", ",") + "\x07"
	} else {
		seq = "\x1b]9;kodex: " + body + "\x07"
	}
	if n.Tmux {
		seq = "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
	}
	return seq
}

// notifyText is the first line of s with control characters dropped,
// whitespace runs collapsed and at most maxNotifyBody runes.
func notifyText(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	var b strings.Builder
	n, space := 0, false
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			continue
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		if n == maxNotifyBody {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// desktopNotify asks the terminal for a notification when notifications
// are on and the terminal has lost the focus.
func (m *model) desktopNotify(body string) tea.Cmd {
	if !m.opts.Notify.Enabled || m.focused {
		return nil
	}
	seq := m.opts.Notify.notificationSeq(body)
	if m.opts.notifyHook != nil {
		m.opts.notifyHook(seq)
	}
	return tea.Raw(seq)
}
