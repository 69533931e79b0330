// Package testkit holds what the end-to-end tests under test/ share to build
// and run the real kodex binary. It is imported by tests only.
package testkit

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// GoTool returns the go command that runs the tests: $GOROOT/bin/go when
// there is one (go test sets GOROOT), else the go on PATH, else "go".
func GoTool() string {
	if goroot := os.Getenv("GOROOT"); goroot != "" {
		p := filepath.Join(goroot, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil && !errors.Is(err, exec.ErrDot) {
		return "go"
	}
	return p
}
