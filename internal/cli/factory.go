package cli

import (
	"io"
	"log/slog"
	"os"
	"time"

	"golang.org/x/term"
)

// IOStreams are the process's standard streams and what they are connected to.
type IOStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	StdinTTY    bool
	StdoutTTY   bool
	StderrTTY   bool
}

// Factory carries what commands need from the outside world, so tests can
// replace it.
type Factory struct {
	IO         *IOStreams
	Getenv     func(string) string
	LookupEnv  func(string) (string, bool)
	Setenv     func(key, value string) error
	Environ    func() []string
	Executable func() (string, error)
	Getwd      func() (string, error)
	Now        func() time.Time
	Logger     *slog.Logger
}

// NewFactory returns a Factory bound to the real process.
func NewFactory() *Factory {
	return &Factory{
		IO: &IOStreams{
			In:        os.Stdin,
			Out:       os.Stdout,
			ErrOut:    os.Stderr,
			StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
			StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
			StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		},
		Getenv:     os.Getenv,
		LookupEnv:  os.LookupEnv,
		Setenv:     os.Setenv,
		Environ:    os.Environ,
		Executable: os.Executable,
		Getwd:      os.Getwd,
		Now:        time.Now,
		Logger:     slog.New(slog.DiscardHandler),
	}
}
