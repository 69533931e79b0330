package sandbox

import (
	"os"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	self, _ := os.Executable()
	var b strings.Builder
	if err := Explain(&b, self); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if !strings.Contains(b.String(), "mechanism:") {
		t.Errorf("no mechanism line:\n%s", b.String())
	}
}
