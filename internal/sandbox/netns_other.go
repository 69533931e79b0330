//go:build !linux

package sandbox

// netHolder: only Linux has network namespaces; a NetNS is never started
// elsewhere.
type netHolder struct{}

func (*netHolder) close() {}
