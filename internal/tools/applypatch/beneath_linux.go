package applypatch

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveFlags confine a lookup to the directory it starts from and refuse
// every symlink and /proc magic link on the way.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// errNoOpenat2 means the kernel (older than 5.6) or a seccomp filter does
// not offer openat2; callers fall back to the portable checks.
var errNoOpenat2 = errors.New("openat2 unavailable")

// openBeneath opens rel beneath the directory root.
func openBeneath(root, rel string, flags int) (int, error) {
	rfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(rfd)
	return openat2(rfd, root, rel, flags)
}

// openat2 opens rel beneath dirfd (whose path is dir, for errors).
func openat2(dirfd int, dir, rel string, flags int) (int, error) {
	how := &unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: resolveFlags}
	for {
		fd, err := unix.Openat2(dirfd, rel, how)
		switch {
		case err == nil:
			return fd, nil
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			continue // a concurrent rename; retry
		case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM):
			return -1, errNoOpenat2
		case errors.Is(err, unix.ELOOP), errors.Is(err, unix.EXDEV):
			return -1, fmt.Errorf("%s: %w", filepath.Join(dir, rel), errSymlink)
		}
		return -1, &fs.PathError{Op: "open", Path: filepath.Join(dir, rel), Err: err}
	}
}

func beneathReadFile(root, rel string) ([]byte, error) {
	fd, err := openBeneath(root, rel, unix.O_RDONLY|unix.O_NONBLOCK)
	if errors.Is(err, errNoOpenat2) {
		return checkedReadFile(root, rel)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), filepath.Join(root, rel))
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", f.Name())
	}
	return io.ReadAll(f)
}

func beneathStat(root, rel string) (fs.FileInfo, error) {
	fd, err := openBeneath(root, rel, unix.O_PATH)
	if errors.Is(err, errNoOpenat2) {
		return checkedStat(root, rel)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), filepath.Join(root, rel))
	defer f.Close()
	return f.Stat()
}

// openParent opens rel's directory beneath root and returns it with rel's
// last component.
func openParent(root, rel string) (dirfd int, base string, err error) {
	dir, base := filepath.Split(rel)
	if base == "" || base == "." || base == ".." {
		return -1, "", fmt.Errorf("%s: not a file path", filepath.Join(root, rel))
	}
	if dir == "" {
		dir = "."
	}
	fd, err := openBeneath(root, dir, unix.O_PATH|unix.O_DIRECTORY)
	return fd, base, err
}

func beneathWriteFile(root, rel string, data []byte, perm fs.FileMode) error {
	dfd, base, err := openParent(root, rel)
	if errors.Is(err, errNoOpenat2) {
		return checkedWriteFile(root, rel, data, perm)
	}
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	tmp := tempName(base)
	fd, err := unix.Openat(dfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return &fs.PathError{Op: "create", Path: filepath.Join(root, rel), Err: err}
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm.Perm())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Renameat(dfd, tmp, dfd, base)
	}
	if err != nil {
		_ = unix.Unlinkat(dfd, tmp, 0)
		return &fs.PathError{Op: "write", Path: filepath.Join(root, rel), Err: err}
	}
	return nil
}

func tempName(base string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	if len(base) > 64 {
		base = base[:64]
	}
	return "." + base + ".kodex-" + hex.EncodeToString(b[:])
}

func beneathRemove(root, rel string) error {
	dfd, base, err := openParent(root, rel)
	if errors.Is(err, errNoOpenat2) {
		return checkedRemove(root, rel)
	}
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if err := unix.Unlinkat(dfd, base, 0); err != nil {
		return &fs.PathError{Op: "remove", Path: filepath.Join(root, rel), Err: err}
	}
	return nil
}

func beneathMkdirAll(root, rel string, perm fs.FileMode) error {
	cur, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: root, Err: err}
	}
	defer func() { unix.Close(cur) }()
	dir := root
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if c == "" || c == "." {
			continue
		}
		if err := unix.Mkdirat(cur, c, uint32(perm.Perm())); err != nil && !errors.Is(err, unix.EEXIST) {
			return &fs.PathError{Op: "mkdir", Path: filepath.Join(dir, c), Err: err}
		}
		next, err := openat2(cur, dir, c, unix.O_PATH|unix.O_DIRECTORY)
		if errors.Is(err, errNoOpenat2) {
			return checkedMkdirAll(root, rel, perm)
		}
		if err != nil {
			return err
		}
		unix.Close(cur)
		cur, dir = next, filepath.Join(dir, c)
	}
	return nil
}
