package sandbox

import (
	"os"
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
