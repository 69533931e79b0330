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
		"writes outside the writable roots and the session's temp dir (Landlock" + map[bool]string{true: " + read-only mounts", false: ""}[lv.ns] + "); the real /tmp stays readable",
		"secrets (~/.ssh, ~/.gnupg, ~/.aws, ~/.netrc, ~/.docker/config.json, cloud and gh credentials, deny_read) and kodex's own state ($KODEX_HOME: config, sessions, history, auth)",
		"git control files of every repository in the roots, nested ones and worktrees included (config, hooks, info, commondir, gitdir, the .git pointer)" + map[bool]string{true: " as read-only mounts, .git pinned", false: ""}[lv.ns] + "; each git dir verified after every command (HEAD form, new entries)",
		".kodex, and your shell start-up files and git config when a root contains your home" + map[bool]string{true: " (read-only mounts)", false: " (restored / Landlock-carved)"}[lv.ns],
		"files hard-linked to files outside the roots" + map[bool]string{true: " (read-only mounts)", false: " (restored in place, up to 128)"}[lv.ns],
		map[bool]string{true: "network off: a private network namespace with only its own loopback (IP sockets work there; no AF_UNIX socket(2))", false: "network off: only AF_UNIX stream sockets, no connect/bind/listen/accept (seccomp); loopback too"}[lv.ns],
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
