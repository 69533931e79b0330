//go:build !amd64 && !arm64

package sandbox

import "errors"

// No seccomp filter is written for this architecture: the kernel probe
// reports seccomp unusable and sandboxed commands are refused.
const seccompArch uint32 = 0

func applySeccomp(netMode) error { return errors.New("no seccomp filter for this architecture") }
