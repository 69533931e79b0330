//go:build !unix

package rollout

import "os"

// lock is a no-op where advisory file locks are not wired up (Windows):
// two processes can still append to one session there.
func lock(*os.File) error { return nil }
