package sandbox

import (
	"os"
	"testing"
)

// TestMain makes the test binary double as the helper, as kodex's main does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == HelperArg {
		os.Exit(HelperMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}
