package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProbe(t *testing.T) {
	self, _ := os.Executable()
	k := kernel()
	r := probeNamespaces(self)
	t.Logf("kernel %+v namespaces %+v", k, r)
	if k.ABI < 1 || !k.Seccomp {
		t.Fatalf("this machine should offer Landlock and seccomp: %+v", k)
	}
}

// TestProbeCache: a positive namespace probe is kept under a fingerprint of
// the helper binary; another binary (or a changed one) is probed again.
func TestProbeCache(t *testing.T) {
	t.Parallel()
	kh := t.TempDir()
	dir := t.TempDir()
	self := filepath.Join(dir, "kodex")
	if err := os.WriteFile(self, []byte("binary v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if cachedProbe(kh, self) {
		t.Fatal("cached before any probe")
	}
	recordProbe(kh, self)
	if !cachedProbe(kh, self) {
		t.Fatal("not cached after recording")
	}
	if cachedProbe("", self) {
		t.Error("cached without a kodex home")
	}
	other := filepath.Join(dir, "kodex2")
	if err := os.WriteFile(other, []byte("binary v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if cachedProbe(kh, other) {
		t.Error("another binary shares the cached probe")
	}
	if err := os.WriteFile(self, []byte("binary v2, longer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if cachedProbe(kh, self) {
		t.Error("a changed binary keeps the cached probe")
	}
}
