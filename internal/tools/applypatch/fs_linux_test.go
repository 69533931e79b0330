package applypatch

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenat2Available makes sure the Linux tests exercise openat2, not
// the fallback (skipped where the kernel lacks it).
func TestOpenat2Available(t *testing.T) {
	t.Parallel()
	fd, err := openBeneath(t.TempDir(), ".", unix.O_PATH)
	if errors.Is(err, errNoOpenat2) {
		t.Skip("openat2 not available; the portable fallback is in use")
	}
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
}
