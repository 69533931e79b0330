package cli

import "fmt"

// Values of --color.
const (
	colorAuto   = "auto"
	colorAlways = "always"
	colorNever  = "never"
)

// checkColor validates a --color value.
func checkColor(mode string) error {
	switch mode {
	case colorAuto, colorAlways, colorNever:
		return nil
	}
	return &UsageError{Msg: fmt.Sprintf("--color %q: want always, never or auto", mode)}
}

// useColor decides whether the progress written to stderr is coloured:
// always and never force it; auto colours only a terminal, and not when
// NO_COLOR is set (https://no-color.org) or TERM is "dumb".
func useColor(f *Factory, mode string) bool {
	switch mode {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	if _, set := f.LookupEnv("NO_COLOR"); set {
		return false
	}
	return f.IO.StderrTTY && f.Getenv("TERM") != "dumb"
}
