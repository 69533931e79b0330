package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Landlock access rights (include/uapi/linux/landlock.h).
const (
	llRead = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// llWrite1 are the ABI 1 write rights; MAKE_CHAR and MAKE_BLOCK are
	// handled (so denied) but never granted.
	llWrite1 = unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_FILE | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	llDevices = unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK
	// llFileOnly are the rights valid on a rule for a non-directory.
	llFileOnly = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// rights is the access the ruleset handles and grants, by ABI version.
type rights struct{ handled, write, ioctl uint64 }

func rightsFor(abi int) rights {
	r := rights{handled: llRead | llWrite1 | llDevices, write: llWrite1}
	if abi >= 2 { // cross-directory rename and link
		r.handled |= unix.LANDLOCK_ACCESS_FS_REFER
		r.write |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		r.handled |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
		r.write |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		r.handled |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
		r.ioctl = unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return r
}

// rulesetAttr mirrors struct landlock_ruleset_attr up to the scoped field.
type rulesetAttr struct{ fs, net, scoped uint64 }

// applyLandlock builds one ruleset from s and restricts the calling thread.
// It never degrades silently: an ABI below 1 or any failing rule is an error.
func applyLandlock(s spec) error {
	if s.ABI < 1 {
		return fmt.Errorf("landlock is unavailable")
	}
	r := rightsFor(s.ABI)
	attr := rulesetAttr{fs: r.handled}
	size := unsafe.Sizeof(uint64(0))
	if s.ABI >= 4 {
		size = 2 * unsafe.Sizeof(uint64(0))
		if !s.Network && !s.Namespaces { // handled with no rule: every TCP bind and connect is denied
			attr.net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		}
	}
	if s.ABI >= 6 {
		size = 3 * unsafe.Sizeof(uint64(0))
		attr.scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("landlock_create_ruleset: %w", errno)
	}
	defer unix.Close(int(fd))
	add := func(path string, access uint64) error {
		return addPathRule(int(fd), path, access)
	}
	var rules []pathRule
	writeRights := llRead | r.write | r.ioctl
	if s.Namespaces {
		// Secrets are hidden and protected paths are read-only mounts.
		rules = append(rules, pathRule{"/", llRead})
		if s.Mode == protocol.SandboxWorkspaceWrite {
			for _, w := range writableRoots(s) {
				rules = append(rules, pathRule{w, writeRights})
			}
		}
	} else {
		ex := exceptions(s)
		rules = append(rules, carve("/", llRead, ex)...)
		if s.Mode == protocol.SandboxWorkspaceWrite {
			for _, w := range writableRoots(s) {
				rules = append(rules, carve(w, writeRights, ex)...)
			}
		}
	}
	for _, dev := range []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty"} {
		rules = append(rules, pathRule{dev, unix.LANDLOCK_ACCESS_FS_WRITE_FILE | r.write&unix.LANDLOCK_ACCESS_FS_TRUNCATE | r.ioctl})
	}
	if r.ioctl != 0 {
		rules = append(rules, pathRule{"/dev", r.ioctl})
	}
	for _, pr := range rules {
		if err := add(pr.path, pr.access); err != nil {
			return err
		}
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return fmt.Errorf("landlock_restrict_self: %w", errno)
	}
	return nil
}

// addPathRule allows access beneath path. Missing paths are skipped; rights
// that only apply to directories are masked off for other files.
func addPathRule(rulesetFD int, path string, access uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		if os.IsNotExist(err) || err == unix.ENXIO {
			return nil
		}
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		access &= llFileOnly
	}
	if access == 0 {
		return nil
	}
	attr := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(rulesetFD),
		unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("landlock_add_rule %s: %w", path, errno)
	}
	return nil
}

// writableRoots are the roots a workspace-write command may write: the
// writable roots, the private temp dir and /dev/shm.
func writableRoots(s spec) []string {
	roots := append([]string(nil), s.Writable...)
	if s.TmpDir != "" {
		roots = append(roots, s.TmpDir)
	}
	return append(roots, "/dev/shm")
}

// pathRule allows access beneath path.
type pathRule struct {
	path   string
	access uint64
}

// exception is a path a carved rule set must not grant in full: it keeps
// only keep. A strict exception may also not be removed, renamed or
// replaced (its parent directories get no directory rights); a lenient one
// (a hard-linked file, whose contents are what matters) may.
type exception struct {
	keep   uint64
	strict bool
}

// exceptions are the no-namespace level's carve-outs: secrets (nothing)
// and protected start-up files (read only, not replaceable). Hard-linked
// files are not carved out (every new file next to them would become
// unwritable): the integrity check restores them in place.
func exceptions(s spec) map[string]exception {
	ex := map[string]exception{}
	for _, p := range s.Protect {
		ex[p] = exception{keep: llRead, strict: true}
	}
	for _, p := range s.DenyRead {
		ex[p] = exception{strict: true}
	}
	return ex
}

// carve expresses "full beneath root, except the exceptions" as Landlock
// allow rules, for when no mount namespace can enforce the exceptions: an
// exception gets its keep rights; a directory on the path from root to an
// exception gets only what cannot reach the exception (for a strict
// exception: its keep rights; for a lenient one: everything but writing
// file contents), and each of its other entries is granted full on its
// own. Symlinks are never given a rule (a rule follows the link to its
// target). New files created directly in a directory on such a path cannot
// be written (they inherit the directory's rights).
func carve(root string, full uint64, ex map[string]exception) []pathRule {
	if e, ok := ex[root]; ok {
		if e.keep&full != 0 {
			return []pathRule{{root, e.keep & full}}
		}
		return nil
	}
	access := full
	found := false
	for p, e := range ex {
		if p == root || !under(p, root) {
			continue
		}
		found = true
		if e.strict {
			access &= e.keep
		} else {
			access &^= unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE
		}
	}
	if !found {
		return []pathRule{{root, full}}
	}
	var out []pathRule
	if access != 0 {
		out = append(out, pathRule{root, access})
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return out
	}
	for _, e := range ents {
		if e.Type()&os.ModeSymlink != 0 {
			continue
		}
		out = append(out, carve(filepath.Join(root, e.Name()), full, ex)...)
	}
	return out
}
