package sandbox

import (
	"fmt"
	"io"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Explain writes what the sandbox can do on this machine: the mechanism
// that would be used, the Landlock ABI, whether namespaces are usable (and
// why not), what is protected and what is degraded. self is the helper
// binary (os.Executable()).
func Explain(w io.Writer, self string) error {
	k := kernel()
	fmt.Fprintf(w, "platform:     linux\n")
	if k.ABI > 0 {
		fmt.Fprintf(w, "landlock:     ABI %d\n", k.ABI)
	} else {
		fmt.Fprintf(w, "landlock:     unavailable (%s)\n", k.LandlockWhy)
	}
	if k.Seccomp {
		fmt.Fprintf(w, "seccomp:      available\n")
	} else {
		fmt.Fprintf(w, "seccomp:      unavailable (%s)\n", k.SeccompWhy)
	}
	lv, err := chooseLevel(Request{Self: self})
	if err != nil {
		fmt.Fprintf(w, "mechanism:    none: sandboxed modes are refused\n  %v\n", err)
		return nil
	}
	if lv.ns {
		fmt.Fprintf(w, "namespaces:   user+mount+PID (+network when offline) usable\n")
	} else {
		fmt.Fprintf(w, "namespaces:   not used: %s\n", lv.why)
	}
	fmt.Fprintf(w, "mechanism:    %s\n\nprotected:\n", lv.mechanism)
	for _, l := range []string{
		"writes outside the writable roots (Landlock" + map[bool]string{true: " + read-only mounts", false: ""}[lv.ns] + ")",
		"secrets (~/.ssh, ~/.gnupg, ~/.aws, ~/.netrc, ~/.docker/config.json, $KODEX_HOME/auth.json, deny_read)",
		".git/hooks, .git/config, .git/info, .kodex, the .git pointer file" + map[bool]string{true: " (read-only mounts; .git pinned)", false: " (integrity check: restored after the command)"}[lv.ns],
		"network: only AF_UNIX stream sockets, no connect/bind/listen/accept (seccomp" + map[bool]string{true: " + empty network namespace", false: ""}[lv.ns] + ")",
		"ptrace, process_vm_*, io_uring, bpf, perf, keyctl, mount, new namespaces, TIOCSTI/TIOCLINUX, foreign-arch syscalls (seccomp)",
		"all capabilities dropped, no_new_privs, no core dumps, file-size and (non-root) process limits",
		"no process outlives the command" + map[bool]string{true: " (PID namespace)", false: " (subreaper supervisor)"}[lv.ns],
	} {
		fmt.Fprintf(w, "  - %s\n", l)
	}
	d := degraded(spec{ABI: k.ABI, Mode: protocol.SandboxWorkspaceWrite, DenyRead: []string{"~/.ssh"}}, lv)
	d = append(d, "root: RLIMIT_NPROC does not apply to uid 0, so fork bombs are bounded only by the timeout")
	fmt.Fprintf(w, "\ndegraded:\n")
	for _, l := range d {
		fmt.Fprintf(w, "  - %s\n", l)
	}
	return nil
}
