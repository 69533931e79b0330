// Package version holds the build's version and commit, stamped with -ldflags
// "-X github.com/kodex-cli/kodex/internal/version.Version=…" by the Makefile
// and release builds. It does no work at init.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped at link time. Date is the commit's date (YYYY-MM-DD), set by
// release builds only.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// String returns "kodex VERSION (COMMIT, [DATE, ]GOVERSION, GOOS/GOARCH)". When
// not stamped, it falls back to the module version and VCS data in the build
// info.
func String() string {
	v, c := Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		if c == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					c = s.Value[:12]
				}
			}
		}
	}
	if c == "" {
		c = "unknown commit"
	}
	if Date != "" {
		c += ", " + Date
	}
	return fmt.Sprintf("kodex %s (%s, %s, %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
