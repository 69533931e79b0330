package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
		if !s.Network { // handled with no rule: every TCP bind and connect is denied
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
	readRoots := []string{"/"}
	if !s.Namespaces && len(s.DenyRead) > 0 {
		readRoots = readAllowList(s.DenyRead)
	}
	for _, p := range readRoots {
		if err := add(p, llRead); err != nil {
			return err
		}
	}
	for _, dev := range []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty"} {
		if err := add(dev, unix.LANDLOCK_ACCESS_FS_WRITE_FILE|r.write&unix.LANDLOCK_ACCESS_FS_TRUNCATE|r.ioctl); err != nil {
			return err
		}
	}
	if r.ioctl != 0 {
		if err := add("/dev", r.ioctl); err != nil {
			return err
		}
	}
	if s.Mode == protocol.SandboxWorkspaceWrite {
		roots := append([]string(nil), s.Writable...)
		if s.TmpDir != "" {
			roots = append(roots, s.TmpDir)
		}
		roots = append(roots, "/dev/shm")
		for _, w := range roots {
			if err := add(w, llRead|r.write|r.ioctl); err != nil {
				return err
			}
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

// readAllowList expresses "read everything except the secrets" as Landlock
// allow rules, for when no mount namespace can hide the secrets: every
// sibling of each directory on the path from / to a secret is allowed, the
// secrets and those directories themselves are not (so they cannot be
// listed; entries created in them later are not readable).
func readAllowList(deny []string) []string {
	denied := map[string]bool{}
	ancestors := map[string]bool{}
	for _, d := range deny {
		denied[d] = true
		for a := filepath.Dir(d); ; a = filepath.Dir(a) {
			ancestors[a] = true
			if a == "/" {
				break
			}
		}
	}
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			switch {
			case denied[p]:
			case ancestors[p]:
				walk(p)
			case e.Type()&os.ModeSymlink != 0 && leadsInto(canon(p), deny):
			default:
				out = append(out, p)
			}
		}
	}
	walk("/")
	sort.Strings(out)
	return out
}

// leadsInto reports whether p is a denied path, beneath one, or an ancestor of one.
func leadsInto(p string, deny []string) bool {
	for _, d := range deny {
		if under(p, d) || under(d, p) {
			return true
		}
	}
	return false
}
