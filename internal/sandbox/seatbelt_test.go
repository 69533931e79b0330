package sandbox

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSeatbeltProfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    spec
	}{
		{"read-only", spec{Mode: protocol.SandboxReadOnly, DenyRead: []string{"/Users/u/.ssh", "/Users/u/.netrc"}}},
		{"workspace-write", spec{Mode: protocol.SandboxWorkspaceWrite, TmpDir: "/private/tmp/kodex-sandbox-1",
			Writable: []string{"/Users/u/proj", `/Users/u/we"ird) (allow default`},
			Guard:    []string{"/Users/u/proj/.kodex", "/Users/u/proj/.git/hooks"},
			Pin:      []string{"/Users/u/proj/.git"}, DenyRead: []string{"/Users/u/.ssh"}}},
		{"network", spec{Mode: protocol.SandboxWorkspaceWrite, Network: true, Writable: []string{"/Users/u/proj"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			profile, params := seatbeltProfile(tt.s)
			if strings.Contains(profile, "/Users") {
				t.Errorf("a path leaked into the profile text:\n%s", profile)
			}
			got := profile + "---- params\n" + strings.Join(params, "\n") + "\n"
			golden := filepath.Join("testdata", "seatbelt-"+tt.name+".golden")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("profile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
