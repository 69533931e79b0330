package sandbox

import (
	"fmt"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// seatbeltBase is the fixed part of the macOS profile: deny by default,
// read everywhere, run processes, talk to the system services ordinary
// tools need. Paths never appear in the text: they come in as -D
// parameters (see seatbeltProfile), so no path can inject profile syntax.
const seatbeltBase = `(version 1)
(deny default)
(allow process-exec process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))
(allow sysctl-read)
(allow mach-lookup)
(allow ipc-posix-sem ipc-posix-shm)
(allow pseudo-tty)
(allow file-ioctl (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+$"))
(allow file-read*)
(allow file-write-data (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+$"))
`

// seatbeltProfile returns the profile for s and its -D parameters
// ("NAME=value", in order). s's paths must already be canonical
// (/tmp → /private/tmp).
func seatbeltProfile(s spec) (string, []string) {
	var b strings.Builder
	var params []string
	param := func(prefix string, i int, path string) string {
		name := fmt.Sprintf("%s_%d", prefix, i)
		params = append(params, name+"="+path)
		return fmt.Sprintf(`(param "%s")`, name)
	}
	b.WriteString(seatbeltBase)
	if s.Mode == protocol.SandboxWorkspaceWrite {
		roots := append([]string(nil), s.Writable...)
		if s.TmpDir != "" {
			roots = append(roots, s.TmpDir)
		}
		for i, w := range roots {
			fmt.Fprintf(&b, "(allow file-write* (subpath %s))\n", param("WRITABLE_ROOT", i, w))
		}
		for i, p := range s.Guard {
			fmt.Fprintf(&b, "(deny file-write* (subpath %s))\n", param("PROTECTED", i, p))
		}
		for i, p := range append(append([]string(nil), s.Protect...), s.Linked...) {
			fmt.Fprintf(&b, "(deny file-write* (subpath %s))\n", param("READ_ONLY", i, p))
		}
		for i, p := range s.Pin {
			fmt.Fprintf(&b, "(deny file-write-unlink file-write-create (literal %s))\n", param("PINNED", i, p))
		}
	}
	for i, p := range s.DenyRead {
		fmt.Fprintf(&b, "(deny file-read* (subpath %s))\n", param("DENY_READ", i, p))
	}
	if s.Network {
		b.WriteString("(allow network*)\n(allow system-socket)\n")
	} else {
		b.WriteString("; network off: no network* rules, so every connect, bind and send is denied\n")
	}
	return b.String(), params
}
