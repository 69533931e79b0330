package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// maxLinkedRestore bounds the hard-linked files the integrity check keeps
// and restores without namespaces (each command reads them all).
const maxLinkedRestore = 128

// level is the protection level the fallback order chose for a request.
type level struct {
	mechanism string
	ns        bool
	why       string // when ns is false: why namespaces are not used
}

// chooseLevel walks the fallback order: namespaces + Landlock + seccomp →
// Landlock + seccomp → refuse.
func chooseLevel(req Request) (level, error) {
	k := kernel()
	if k.ABI < 1 {
		return level{}, unavailable(k.LandlockWhy)
	}
	if !k.Seccomp {
		return level{}, unavailable(k.SeccompWhy)
	}
	switch {
	case req.NoNamespaces:
		return level{mechanism: MechLandlock, why: "namespaces disabled by the caller"}, nil
	case noNamespacesEnv():
		return level{mechanism: MechLandlock, why: "namespaces disabled by " + EnvNoNamespaces + "=1"}, nil
	}
	if r := nsProbes.get(req.Self, kodexHomeOf(req)); !r.ok {
		return level{mechanism: MechLandlock, why: r.why}, nil
	}
	return level{mechanism: MechNamespaces, ns: true}, nil
}

func unavailable(why string) error {
	return fmt.Errorf("%w: %s; commands cannot be confined on this machine. "+
		"Run them unconfined only by choosing it explicitly (-s danger-full-access), "+
		"or run kodex inside a VM or container", ErrUnavailable, why)
}

func command(ctx context.Context, req Request) (*exec.Cmd, Info, error) {
	if req.Self == "" {
		return nil, Info{}, fmtErr("no helper binary (Request.Self) given")
	}
	lv, err := chooseLevel(req)
	if err != nil {
		return nil, Info{}, err
	}
	s, err := buildSpec(req)
	if err != nil {
		return nil, Info{}, err
	}
	s.ABI = kernel().ABI
	s.Namespaces = lv.ns
	s.Mechanism = lv.mechanism
	if lv.ns {
		s.LinkedFiles = nil // read-only mounts protect them
	} else {
		s.Linked, s.LinkedHoles = nil, nil
		if n := len(s.LinkedFiles); n > maxLinkedRestore {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%d hard-linked files in the writable roots have links outside them; without namespaces only %d are restored after each command, the others are not protected", n, maxLinkedRestore))
			s.LinkedFiles = s.LinkedFiles[:maxLinkedRestore]
		}
	}
	enc, err := json.Marshal(s)
	if err != nil {
		return nil, Info{}, fmt.Errorf("sandbox: encoding policy: %w", err)
	}
	args := append([]string{HelperArg, "run", string(enc), "--"}, req.Argv...)
	// Without namespaces the supervisor must outlive kodex for a moment to
	// kill what the command left behind (SIGTERM); with them, SIGKILL takes
	// the whole PID namespace down.
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if lv.ns {
		attr = nsAttr(s.Network)
		if !s.Network && req.NetNS != nil {
			// The session's network namespace, through a relay (see
			// netns_linux.go); a private one if it cannot be had.
			if sock, err := req.NetNS.relayFor(req.Self); err == nil {
				args = append([]string{HelperArg, "relay", sock}, args[1:]...)
				attr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			} else {
				s.Warnings = append(s.Warnings, fmt.Sprintf("the session's shared network namespace is unavailable (%v): each command gets a private loopback of its own", err))
			}
		}
	}
	cmd := exec.CommandContext(ctx, req.Self, args...)
	cmd.Dir = s.Cwd
	cmd.Env = childEnv(req.Env, s)
	cmd.SysProcAttr = attr
	// SIGTERM lets the supervisor stop the command and kill every
	// descendant; SIGKILL follows if it does not exit in time.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	return cmd, Info{Mechanism: lv.mechanism, Degraded: degraded(s, lv), Warnings: s.Warnings}, nil
}

// degraded lists what the chosen level cannot enforce for s.
func degraded(s spec, lv level) []string {
	var d []string
	if s.ABI < 2 && s.Mode == protocol.SandboxWorkspaceWrite {
		d = append(d, "Landlock ABI 1: renames and links across directories fail (EXDEV)")
	}
	if s.ABI < 3 && s.Mode == protocol.SandboxWorkspaceWrite {
		d = append(d, "Landlock ABI < 3: truncating files outside the writable roots is not blocked")
	}
	if s.ABI < 6 {
		d = append(d, "Landlock ABI < 6: abstract Unix sockets and signals are not scoped (seccomp and namespaces still apply)")
	}
	if lv.ns {
		return d
	}
	d = append(d, "no namespaces ("+lv.why+"):")
	if s.Mode == protocol.SandboxWorkspaceWrite {
		d = append(d,
			"  protected paths (.git/hooks, .git/config, .git/info, .gitmodules, .kodex) are writable during the command and restored afterwards by an integrity check",
			"  git control files are verified after the command rather than mounted read-only; hard-linked files whose other links are outside the roots are restored in place afterwards (up to 16 MiB of them; larger changes are reported, not undone)",
			"  shell start-up files inside a writable root are kept read-only by Landlock rules: nothing can be created directly in the directory that holds them (your home)",
			"  /dev/shm is shared with the host (writable, needed by Python multiprocessing)")
	}
	if len(s.DenyRead) > 0 {
		d = append(d, "  secrets are hidden by leaving them out of the read rules: the directories on the path to a secret (e.g. / and your home) cannot be listed, and entries created in them later are not readable")
	}
	d = append(d, "  chmod, chown and utime outside the writable roots are not blocked (Landlock does not control them)")
	if !s.Network {
		d = append(d, "  with the network off, even loopback sockets are refused (no private network namespace): tests that bind a local port fail; run them with network_access = true or where user namespaces are allowed")
	}
	d = append(d, "  processes share the host PID namespace; a command's descendants are killed by the supervisor, unless the supervisor itself is SIGKILLed")
	return d
}
