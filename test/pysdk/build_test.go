package pysdk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBuildBackend: the SDK's in-tree build backend also makes an sdist
// that pip installs offline, and an editable install that imports from the
// source tree; both carry pyproject.toml's version, which is the package's.
func TestBuildBackend(t *testing.T) {
	t.Parallel()
	sourcesOnce.Do(touchSources)
	sdk, err := filepath.Abs(filepath.Join(root, "sdk", "python"))
	if err != nil {
		t.Fatal(err)
	}
	pyproject, err := os.ReadFile(filepath.Join(sdk, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(pyproject)
	if m == nil {
		t.Fatal("pyproject.toml has no version")
	}
	version := string(m[1])
	dir := t.TempDir()
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PIP_NO_INPUT=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}

	// The sdist, built by the backend as pip's build frontend would call it.
	src := filepath.Join(dir, "src")
	if err := os.CopyFS(src, os.DirFS(sdk)); err != nil {
		t.Fatal(err)
	}
	sdist := run(setup.python, "-c", `import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "_build"))
os.chdir(sys.argv[1])
import kodex_build
print(kodex_build.build_sdist(sys.argv[2]))`, src, dir)
	if want := "kodex_sdk-" + version + ".tar.gz"; sdist != want {
		t.Fatalf("build_sdist made %q, want %q", sdist, want)
	}
	check := `import importlib.metadata, kodex; print(importlib.metadata.version("kodex-sdk"), kodex.__version__, kodex.__file__)`
	for _, tc := range []struct {
		name, from string
		editable   bool
	}{
		{"sdist", filepath.Join(dir, sdist), false},
		{"editable", src, true},
	} {
		venv := filepath.Join(dir, "venv-"+tc.name)
		run(setup.python, "-m", "venv", venv)
		py := filepath.Join(venv, "bin", "python")
		args := []string{"-m", "pip", "install", "--no-index", "--disable-pip-version-check", "--no-cache-dir", "--quiet"}
		if tc.editable {
			args = append(args, "-e")
		}
		run(py, append(args, tc.from)...)
		got := strings.Fields(run(py, "-c", check))
		if len(got) != 3 || got[0] != version || got[1] != version {
			t.Errorf("%s install: metadata version, kodex.__version__, file = %v; want %s twice", tc.name, got, version)
			continue
		}
		inTree := strings.HasPrefix(got[2], src+string(filepath.Separator))
		if inTree != tc.editable {
			t.Errorf("%s install imports kodex from %s (source tree %s)", tc.name, got[2], src)
		}
	}
}
