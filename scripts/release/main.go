// Command release builds kodex's release artifacts from one commit into a
// directory (dist/), reproducibly: the same commit gives byte-identical files
// on any machine with the same Go toolchain. It is what `make release`
// (scripts/release.sh) runs; it is a build tool, never linked into kodex.
//
// From a clean export of the commit (git archive, so uncommitted changes and
// untracked files never leak in) it builds static binaries (CGO_ENABLED=0,
// -trimpath, -buildid=, version, commit and the commit's date stamped) for
// linux, darwin and windows × amd64 and arm64, plus a macOS universal binary,
// and writes:
//
//	kodex_VERSION_OS_ARCH.tar.gz (.zip for windows)  binary, README, LICENSE, completions
//	kodex_VERSION_darwin_universal.tar.gz           the fat Mach-O (Intel + Apple Silicon)
//	kodex_VERSION.spdx.json                         SBOM (SPDX 2.3) from the binaries' build info
//	install.sh, install.ps1                         the installers (packaging/)
//	npm/*.tgz                                       @kodex-cli/kodex and one package per platform
//	pypi/*.whl                                      kodex-cli wheels, one per platform
//	homebrew/kodex.rb                               the formula, with this release's checksums
//	SHA256SUMS                                      of every file above
//
// Every timestamp is the commit's (SOURCE_DATE_EPOCH overrides it), archive
// entries are sorted with fixed owners and modes, and gzip headers carry no
// name or time.
//
//	go run ./scripts/release [-ref REV] [-out DIR] [-version V] [-targets os/arch,…]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/gitx"
)

// target is one GOOS/GOARCH pair.
type target struct{ OS, Arch string }

func (t target) String() string { return t.OS + "/" + t.Arch }

// exe is the binary's file name on the target.
func (t target) exe() string {
	if t.OS == "windows" {
		return "kodex.exe"
	}
	return "kodex"
}

var allTargets = []target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// release is one run's inputs.
type release struct {
	repo    *gitx.Repo
	src     string // exported source tree
	out     string // dist directory
	work    string // scratch directory
	version string // semver, no leading v
	commit  string // full hash
	epoch   time.Time
	targets []target
	log     func(format string, args ...any)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	ref := fs.String("ref", "HEAD", "commit to release")
	src := fs.String("src", "", "build this source `DIR` instead of an export of -ref (development only: not reproducible from a commit)")
	out := fs.String("out", "dist", "output `DIR` (replaced)")
	version := fs.String("version", "", "version to stamp (default: the tag vX.Y.Z on the commit, else 0.0.0-dev.DATETIME)")
	targets := fs.String("targets", "", "comma-separated `os/arch` list (default: all six)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := &release{out: *out, log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, "release: "+f+"\n", a...) }}
	var err error
	if r.targets, err = parseTargets(*targets); err != nil {
		return err
	}
	ctx := context.Background()
	if r.repo, err = gitx.Open(ctx, "."); err != nil {
		return err
	}
	if r.commit, err = r.git(ctx, "rev-parse", "--verify", "--end-of-options", *ref+"^{commit}"); err != nil {
		return err
	}
	if r.epoch, err = r.sourceDate(ctx); err != nil {
		return err
	}
	if r.version = strings.TrimPrefix(*version, "v"); r.version == "" {
		if r.version, err = r.defaultVersion(ctx); err != nil {
			return err
		}
	}
	if r.work, err = os.MkdirTemp("", "kodex-release-"); err != nil {
		return err
	}
	defer os.RemoveAll(r.work)
	r.src = *src
	if r.src == "" {
		r.src = filepath.Join(r.work, "src")
		if err := r.export(ctx); err != nil {
			return err
		}
	}
	if err := prepareOut(r.out); err != nil {
		return err
	}
	r.log("kodex %s (%s, %s) → %s", r.version, r.commit[:12], r.epoch.Format(time.DateOnly), r.out)
	return r.build()
}

func parseTargets(s string) ([]target, error) {
	if s == "" {
		return allTargets, nil
	}
	var ts []target
	for _, f := range strings.Split(s, ",") {
		goos, arch, _ := strings.Cut(strings.TrimSpace(f), "/")
		t := target{goos, arch}
		ok := false
		for _, a := range allTargets {
			ok = ok || a == t
		}
		if !ok {
			return nil, fmt.Errorf("unknown target %q (want one of linux, darwin, windows / amd64, arm64)", f)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// sourceDate is SOURCE_DATE_EPOCH when set, else the commit's committer date.
func (r *release) sourceDate(ctx context.Context) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		var err error
		if s, err = r.git(ctx, "log", "-1", "--format=%ct", r.commit); err != nil {
			return time.Time{}, err
		}
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// defaultVersion is X.Y.Z when the commit is tagged vX.Y.Z, else a
// pre-release named after the commit's date.
func (r *release) defaultVersion(ctx context.Context) (string, error) {
	tags, err := r.git(ctx, "tag", "--points-at", r.commit, "--list", "v[0-9]*.[0-9]*.[0-9]*")
	if err != nil {
		return "", err
	}
	if tag, _, _ := strings.Cut(tags, "\n"); tag != "" {
		return strings.TrimPrefix(tag, "v"), nil
	}
	return "0.0.0-dev." + r.epoch.Format("20060102150405"), nil
}

// prepareOut empties dir when it is absent, empty or an earlier dist (it has
// SHA256SUMS); anything else is refused rather than deleted.
func prepareOut(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, "SHA256SUMS")); err != nil {
			return fmt.Errorf("%s is not empty and holds no earlier release (no SHA256SUMS): choose another -out", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	return os.MkdirAll(dir, 0o755)
}

// git runs git (hardened, through gitx) and returns its trimmed output.
func (r *release) git(ctx context.Context, args ...string) (string, error) {
	out, err := r.repo.Run(ctx, args...)
	return strings.TrimSpace(string(out)), err
}

// spdxLicense is kodex's license (LICENSE), as the packages declare it.
const spdxLicense = "Apache-2.0"
