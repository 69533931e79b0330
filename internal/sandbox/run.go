package sandbox

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
)

// envAllowed reports whether FilterEnv keeps the variable k (LC_* too).
func envAllowed(k string) bool {
	switch k {
	case "PATH", "HOME", "LANG", "LANGUAGE", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ",
		"COLORTERM", "NO_COLOR":
		return true
	}
	return false
}

// FilterEnv keeps an allowlist of variables (PATH, HOME, LANG, LC_*, TERM,
// USER, SHELL, TMPDIR, …) and never anything that looks like a credential.
// It is the minimal policy of `kodex sandbox`; the agent uses the configured
// shell_environment_policy (internal/proc) instead.
func FilterEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if (envAllowed(k) || strings.HasPrefix(k, "LC_")) && !secretName(k) {
			out = append(out, kv)
		}
	}
	return out
}

// secretName reports whether an environment variable name looks like it
// holds a credential.
func secretName(k string) bool {
	u := strings.ToUpper(k)
	for _, s := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"} {
		if strings.Contains(u, s) {
			return true
		}
	}
	return strings.HasPrefix(u, "AWS_") || u == "SSH_AUTH_SOCK"
}

// Stdio is where a command run by Run reads and writes.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
	// ExtraFiles are passed to the helper as fds 3, 4, … (the helper closes
	// them before the command runs; tests use this to check exactly that).
	ExtraFiles []*os.File
}

// Run runs req under the sandbox with the given stdio and returns the
// command's exit status: what `kodex sandbox -- CMD` does. A Go error means
// the command could not be started (it wraps ErrUnavailable when no sandbox
// can be applied).
func Run(ctx context.Context, req Request, stdio Stdio) (int, Info, error) {
	cmd, info, err := Command(ctx, req)
	if err != nil {
		return 0, info, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.In, stdio.Out, stdio.Err
	if stdio.Err != nil {
		for _, w := range info.Warnings {
			_, _ = io.WriteString(stdio.Err, StderrPrefix+"warning: "+w+"\n")
		}
	}
	cmd.ExtraFiles = stdio.ExtraFiles
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return code, info, nil
		}
		if st, ok := exitSignal(ee); ok {
			return 128 + st, info, nil
		}
	}
	if err != nil {
		return 0, info, err
	}
	return 0, info, nil
}
