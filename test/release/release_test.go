package release_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/testkit"
)

// sizeBudget is the most the stripped linux/amd64 binary may weigh.
const sizeBudget = 20 << 20

var (
	distOnce sync.Once
	distDir  string
	distErr  error
	tmpRoot  string
)

func TestMain(m *testing.M) {
	var err error
	if tmpRoot, err = os.MkdirTemp("", "kodex-release-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// moduleRoot is the repository root, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// headCommit is the commit both release runs build (resolved once, so that
// a commit landing during the test does not make the runs differ).
var headCommit = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("git", "-C", filepath.Join("..", ".."), "rev-parse", "HEAD").Output()
	return strings.TrimSpace(string(out)), err
})

// buildRelease runs scripts/release for HEAD into out (the tree
// $KODEX_RELEASE_TEST_SRC when set), with extra environment and flags.
func buildRelease(t *testing.T, out string, env []string, flags ...string) error {
	t.Helper()
	commit, err := headCommit()
	if err != nil {
		return err
	}
	args := append([]string{"run", "./scripts/release", "-ref", commit, "-out", out}, flags...)
	if src := os.Getenv("KODEX_RELEASE_TEST_SRC"); src != "" {
		// While changing the packaging: build this tree, not HEAD.
		args = append(args, "-src", src)
	}
	cmd := exec.Command(testkit.GoTool(), args...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return errors.New("scripts/release: " + err.Error() + "\n" + log.String())
	}
	t.Logf("scripts/release -ref %.12s took %s", commit, time.Since(start).Round(time.Second))
	return nil
}

// dist returns the release directory of HEAD, built once for all tests.
func dist(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the release (-short)")
	}
	distOnce.Do(func() {
		distDir = filepath.Join(tmpRoot, "dist")
		distErr = buildRelease(t, distDir, nil)
	})
	if distErr != nil {
		t.Fatal(distErr)
	}
	return distDir
}

// find returns the one file in dir matching pattern.
func find(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s/%s: %d matches (%v), want 1", dir, pattern, len(m), err)
	}
	return m[0]
}

// TestReproducible builds the release a second time and compares every
// file. The second run reuses the Go build cache, so it shows that the
// archiving, packaging and stamping are deterministic; -trimpath, -buildid=
// and the absence of VCS and path data are what make the binaries so across
// machines.
func TestReproducible(t *testing.T) {
	first := dist(t)
	second := filepath.Join(tmpRoot, "dist2")
	if err := buildRelease(t, second, nil); err != nil {
		t.Fatal(err)
	}
	a, b := listFiles(t, first), listFiles(t, second)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("the runs produced different files:\n%v\n%v", a, b)
	}
	for _, name := range a {
		x, _ := os.ReadFile(filepath.Join(first, name))
		y, _ := os.ReadFile(filepath.Join(second, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	t.Logf("%d files byte-identical", len(a))
}

// TestReproducibleFromColdCache builds the linux/amd64 release once more
// with an empty Go build cache (so every package is compiled again, in
// another temporary export) and compares its archive, npm package and wheel
// with the first run's: the binary itself is reproducible, not only the
// packaging. One target only: a cold build of all six would take minutes.
func TestReproducibleFromColdCache(t *testing.T) {
	first := dist(t)
	cold := filepath.Join(tmpRoot, "dist-cold")
	if err := buildRelease(t, cold, []string{"GOCACHE=" + filepath.Join(tmpRoot, "gocache")}, "-targets", "linux/amd64"); err != nil {
		t.Fatal(err)
	}
	for _, pat := range []string{"*_linux_amd64.tar.gz", "npm/kodex-cli-kodex-linux-x64-*.tgz", "pypi/*-py3-none-manylinux_2_17_x86_64.*.whl"} {
		name, err := filepath.Rel(cold, find(t, cold, pat))
		if err != nil {
			t.Fatal(err)
		}
		a, errA := os.ReadFile(filepath.Join(first, name))
		b, errB := os.ReadFile(filepath.Join(cold, name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the cold-cache build differs from the first (%v, %v)", name, errA, errB)
		}
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestArtifacts checks what the release holds: every platform's archive,
// checksums that match, the universal binary's two slices, the SBOM.
func TestArtifacts(t *testing.T) {
	d := dist(t)
	names := listFiles(t, d)
	want := []string{
		"*_linux_amd64.tar.gz", "*_linux_arm64.tar.gz", "*_darwin_amd64.tar.gz", "*_darwin_arm64.tar.gz",
		"*_darwin_universal.tar.gz", "*_windows_amd64.zip", "*_windows_arm64.zip", "*.spdx.json",
		"install.sh", "install.ps1", "SHA256SUMS", "homebrew/kodex.rb",
		"npm/kodex-cli-kodex-0*.tgz", "npm/kodex-cli-kodex-linux-x64-*.tgz", "npm/kodex-cli-kodex-win32-arm64-*.tgz",
		"pypi/*-py3-none-manylinux_2_17_x86_64.*.whl", "pypi/*-py3-none-macosx_12_0_arm64.whl", "pypi/*-py3-none-win_amd64.whl",
	}
	for _, pat := range want {
		find(t, d, pat)
	}

	sums, err := os.ReadFile(filepath.Join(d, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != len(names)-1 {
		t.Errorf("SHA256SUMS lists %d files, the release has %d besides it", len(lines), len(names)-1)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		b, err := os.ReadFile(filepath.Join(d, name))
		if !ok || err != nil {
			t.Errorf("SHA256SUMS line %q: %v", line, err)
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not match", name)
		}
	}

	// Every archive carries the license and the README.
	for _, pat := range []string{"*_linux_amd64.tar.gz", "*_darwin_universal.tar.gz"} {
		for _, name := range []string{"LICENSE", "README.md"} {
			if len(archiveFile(t, find(t, d, pat), name)) == 0 {
				t.Errorf("%s: %s is empty", pat, name)
			}
		}
	}
	if lic := archiveFile(t, find(t, d, "*_linux_amd64.tar.gz"), "LICENSE"); !bytes.Contains(lic, []byte("Apache License")) {
		t.Errorf("the archive's LICENSE is not the Apache License")
	}

	// The universal binary holds the two thin ones, byte for byte.
	fatBytes := archiveFile(t, find(t, d, "*_darwin_universal.tar.gz"), "kodex")
	fat, err := macho.NewFatFile(bytes.NewReader(fatBytes))
	if err != nil {
		t.Fatalf("universal binary: %v", err)
	}
	thin := map[macho.Cpu]string{macho.CpuAmd64: "*_darwin_amd64.tar.gz", macho.CpuArm64: "*_darwin_arm64.tar.gz"}
	if len(fat.Arches) != 2 {
		t.Errorf("universal binary has %d slices, want 2", len(fat.Arches))
	}
	for _, a := range fat.Arches {
		pat, ok := thin[a.Cpu]
		if !ok {
			t.Errorf("universal binary has a %v slice", a.Cpu)
			continue
		}
		if a.Offset%(1<<14) != 0 {
			t.Errorf("%v slice at offset %d, not 2^14-aligned", a.Cpu, a.Offset)
		}
		if !bytes.Equal(fatBytes[a.Offset:a.Offset+a.Size], archiveFile(t, find(t, d, pat), "kodex")) {
			t.Errorf("the universal binary's %v slice is not the %s binary", a.Cpu, pat)
		}
	}

	var sbom struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name        string `json:"name"`
			VersionInfo string `json:"versionInfo"`
		} `json:"packages"`
	}
	b, err := os.ReadFile(find(t, d, "*.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sbom); err != nil {
		t.Fatalf("SBOM: %v", err)
	}
	bi, err := buildinfo.Read(bytes.NewReader(archiveFile(t, find(t, d, "*_linux_amd64.tar.gz"), "kodex")))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, p := range sbom.Packages {
		listed[p.Name] = p.VersionInfo
	}
	for _, dep := range bi.Deps {
		if listed[dep.Path] != dep.Version {
			t.Errorf("SBOM lists %s at %q, the linux/amd64 binary links %s", dep.Path, listed[dep.Path], dep.Version)
		}
	}
	if sbom.SPDXVersion != "SPDX-2.3" || listed["stdlib"] != bi.GoVersion {
		t.Errorf("SBOM: spdxVersion %q, stdlib %q (want SPDX-2.3, %s)", sbom.SPDXVersion, listed["stdlib"], bi.GoVersion)
	}
}

// TestSizeBudget: the stripped linux/amd64 binary as shipped.
func TestSizeBudget(t *testing.T) {
	bin := archiveFile(t, find(t, dist(t), "*_linux_amd64.tar.gz"), "kodex")
	t.Logf("linux/amd64 binary: %.2f MiB (budget %d MiB)", float64(len(bin))/(1<<20), sizeBudget>>20)
	if len(bin) > sizeBudget {
		t.Errorf("the stripped linux/amd64 binary is %.2f MiB, over the %d MiB budget (DESIGN.md, issue 13): find what a new dependency added with `go version -m` and bloaty-style size checks", float64(len(bin))/(1<<20), sizeBudget>>20)
	}
}

// archiveFile returns the file whose base name is base from a .tar.gz.
func archiveFile(t *testing.T, archive, base string) []byte {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s has no %s: %v", archive, base, err)
		}
		if filepath.Base(h.Name) == base && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
