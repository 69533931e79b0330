package release_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the test dependencies"

// command runs name with args in a clean environment (HOME under tmp, no
// network settings needed: everything is local) and returns its output.
func command(t *testing.T, tmp string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(tmp, "home"), "TMPDIR=" + tmp,
		"npm_config_update_notifier=false", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1",
	}
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestNPM installs @kodex-cli/kodex and this platform's package from the
// release's tarballs into a temporary global prefix, offline, and runs a
// turn through the installed launcher.
func TestNPM(t *testing.T) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is not on PATH (%v): %s", err, depsHint)
	}
	d := dist(t)
	tmp := t.TempDir()
	main := find(t, d, "npm/kodex-cli-kodex-0*.tgz")
	platform := find(t, d, "npm/kodex-cli-kodex-linux-x64-*.tgz")
	install := func(prefix string, tarballs ...string) {
		args := append([]string{"install", "-g", "--offline", "--no-audit", "--no-fund", "--loglevel=error",
			"--cache", filepath.Join(tmp, "cache"), "--prefix", prefix}, tarballs...)
		if out, err := command(t, tmp, npm, args...); err != nil {
			t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	prefix := filepath.Join(tmp, "prefix")
	install(prefix, platform, main)
	checkInstalled(t, filepath.Join(prefix, "bin", "kodex"))

	// Without the platform package (optional dependencies skipped), the
	// launcher says what is missing and how to fix it.
	bare := filepath.Join(tmp, "bare")
	install(bare, main)
	out, err := command(t, tmp, filepath.Join(bare, "bin", "kodex"), "--version")
	if err == nil || !strings.Contains(out, "@kodex-cli/kodex-linux-x64, which carries the binary, is not installed") {
		t.Errorf("launcher without the platform package: err %v, output %q; want a failure naming the package", err, out)
	}
}

// TestPip installs this platform's wheel into a fresh virtual environment
// with pip --no-index (no package index is reachable) and runs a turn
// through the installed kodex script, and --version through python -m.
func TestPip(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is not on PATH (%v): %s", err, depsHint)
	}
	d := dist(t)
	tmp := t.TempDir()
	venv := filepath.Join(tmp, "venv")
	if out, err := command(t, tmp, python, "-m", "venv", venv); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, out)
	}
	wheel := find(t, d, "pypi/*-py3-none-manylinux_2_17_x86_64.*.whl")
	py := filepath.Join(venv, "bin", "python")
	if out, err := command(t, tmp, py, "-m", "pip", "install", "--no-index", wheel); err != nil {
		t.Fatalf("pip install --no-index %s: %v\n%s", filepath.Base(wheel), err, out)
	}
	if out, err := command(t, tmp, py, "-m", "pip", "show", "-f", "kodex-cli"); err != nil || !strings.Contains(out, "Name: kodex-cli") {
		t.Errorf("pip show kodex-cli: %v\n%s", err, out)
	}
	checkInstalled(t, filepath.Join(venv, "bin", "kodex"))
	if out, err := command(t, tmp, py, "-m", "kodex_cli", "--version"); err != nil || !strings.HasPrefix(out, "kodex ") {
		t.Errorf("python -m kodex_cli --version: %v\n%s", err, out)
	}
}
