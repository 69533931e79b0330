//go:build !unix

package prompt

// openFlags: Windows has no O_NOFOLLOW or O_NONBLOCK for files; the Lstat
// before the open and the fstat after it do the checking.
const openFlags = 0
