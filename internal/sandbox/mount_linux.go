package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// setupMounts runs in the supervisor, inside new user, mount and PID
// namespaces. It makes mounts private and read-only, gives workspace-write
// commands a private /dev/shm (the real /tmp stays readable; the temp dir is
// a writable root of its own), mounts a /proc for the new PID namespace,
// binds the writable roots writable again, pins .git, binds protected paths
// read-only and hides the deny-read secrets.
func setupMounts(s *spec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	// Everything read-only first (chmod, chown, utime and truncate outside
	// the roots then fail with EROFS, which Landlock alone cannot stop).
	if err := remountAllReadOnly(); err != nil {
		return err
	}
	if s.Mode == protocol.SandboxWorkspaceWrite {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
				return fmt.Errorf("mounting a private /dev/shm: %w", err)
			}
		}
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	roots := s.Writable
	if s.TmpDir != "" {
		roots = append(roots[:len(roots):len(roots)], s.TmpDir)
	}
	for _, w := range roots {
		if err := bindWritable(w); err != nil {
			return err
		}
	}
	for _, p := range s.Pin {
		if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("pinning %s: %w", p, err)
		}
	}
	// Hard-linked files first (a coarse directory of them, then what else
	// lives there writable again), then the protected paths on top.
	for _, p := range s.Linked {
		if err := bindReadOnly(p, p); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	for _, p := range s.LinkedHoles {
		if err := bindWritable(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	for _, list := range [][]string{s.ReadOnly, s.Protect} {
		for _, p := range list {
			if err := bindReadOnly(p, p); err != nil && !errors.Is(err, unix.ENOENT) {
				return err
			}
		}
	}
	for _, p := range s.DenyRead {
		if err := hide(p); err != nil {
			return err
		}
	}
	if !s.Network {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bringing up the private loopback: %w", err)
		}
	}
	return nil
}

// loopbackUp sets "lo" up in the command's own network namespace, so tests
// can bind local ports that nothing outside the namespace can reach.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	if ifr.Uint16()&unix.IFF_UP != 0 {
		return nil // the session's shared namespace: its holder did it
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// remountAllReadOnly makes every mount read-only except the kernel's
// pseudo filesystems (/proc, /sys) and /dev (device writes are checked by
// Landlock).
func remountAllReadOnly() error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("reading mountinfo: %w", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if seen[mp] || under(mp, "/proc") || under(mp, "/sys") || under(mp, "/dev") {
			continue
		}
		seen[mp] = true
		if err := remount(mp, true); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EACCES) {
			return err
		}
	}
	return nil
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space, …).
func unescapeMount(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				out = append(out, byte(n))
				i += 3
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

// bindWritable binds writable root w onto itself and makes that mount
// writable again on top of the read-only tree.
func bindWritable(w string) error {
	if err := unix.Mount(w, w, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("binding writable root %s: %w", w, err)
	}
	return remount(w, false)
}

// remount changes a mount's read-only flag, keeping the flags the kernel
// locks on mounts inherited from a more privileged namespace.
func remount(dst string, readOnly bool) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dst, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dst, err)
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT)
	if readOnly {
		flags |= unix.MS_RDONLY
	}
	for _, f := range [][2]int64{
		{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st.Flags&f[0] != 0 {
			flags |= uintptr(f[1])
		}
	}
	if err := unix.Mount("", dst, "", flags, ""); err != nil {
		return fmt.Errorf("remounting %s (read-only=%v): %w", dst, readOnly, err)
	}
	return nil
}

// bindReadOnly bind-mounts src on dst read-only, keeping the flags the
// kernel locks on mounts inherited from a more privileged namespace.
func bindReadOnly(src, dst string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("binding %s: %w", dst, err)
	}
	return remount(dst, true)
}

// hide covers a secret: an empty, unreadable, read-only tmpfs over a
// directory, /dev/null (read-only) over anything else.
func hide(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return nil // vanished since the parent looked: nothing to hide
	}
	if fi.IsDir() {
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=000,size=4k"); err != nil {
			return fmt.Errorf("hiding %s: %w", p, err)
		}
		return nil
	}
	return bindReadOnly("/dev/null", p)
}
