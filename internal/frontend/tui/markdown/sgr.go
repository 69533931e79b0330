package markdown

// Minimal SGR helpers. They emit specific "off" codes instead of a full reset
// so styles nest (bold inside a coloured heading, a code span inside bold).

// Foreground colours, as SGR parameters on the terminal's own 16-colour
// palette so they follow the user's theme.
const (
	Red     = "31"
	Green   = "32"
	Yellow  = "33"
	Blue    = "34"
	Magenta = "35"
	Cyan    = "36"
	Gray    = "90"
)

// Bold renders s bold.
func Bold(s string) string { return "\x1b[1m" + s + "\x1b[22m" }

// Faint renders s dimmed.
func Faint(s string) string { return "\x1b[2m" + s + "\x1b[22m" }

// Italic renders s in italics.
func Italic(s string) string { return "\x1b[3m" + s + "\x1b[23m" }

// Underline underlines s.
func Underline(s string) string { return "\x1b[4m" + s + "\x1b[24m" }

// Strike strikes s through.
func Strike(s string) string { return "\x1b[9m" + s + "\x1b[29m" }

// Fg colours s with one of the colour constants.
func Fg(color, s string) string {
	if s == "" {
		return ""
	}
	return "\x1b[" + color + "m" + s + "\x1b[39m"
}
