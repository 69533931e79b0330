package pysdk_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/testkit"
)

// root is the module root, from this package's directory.
const root = "../.."

// setup is what TestMain builds once: kodex, and a virtual environment
// with the SDK installed from sdk/python.
var setup struct { //nolint:gochecknoglobals // built once for every test
	dir    string // holds both
	kodex  string // the binary
	python string // the venv's interpreter
}

func TestMain(m *testing.M) {
	code := 1
	if err := prepare(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	if setup.dir != "" {
		_ = os.RemoveAll(setup.dir)
	}
	os.Exit(code)
}

// prepare builds kodex and installs the SDK as a user would, with pip,
// offline (--no-index: no package index is reachable here, and the SDK's
// build backend needs none).
func prepare() error {
	dir, err := os.MkdirTemp("", "kodex-pysdk-test-")
	if err != nil {
		return err
	}
	setup.dir = dir
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return err
	}
	setup.kodex = filepath.Join(dir, "bin", "kodex")
	build := exec.Command(testkit.GoTool(), "build", "-o", setup.kodex, "./cmd/kodex")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building kodex: %w\n%s", err, out)
	}
	// KODEX_PYSDK_PYTHON picks another interpreter (the SDK supports 3.9
	// and later) than the python3 on PATH.
	python := os.Getenv("KODEX_PYSDK_PYTHON")
	if python == "" {
		p, err := exec.LookPath("python3")
		if err != nil {
			return fmt.Errorf("python3 is not on PATH (%w): run scripts/test-deps.sh", err)
		}
		python = p
	}
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command(python, "-m", "venv", venv).CombinedOutput(); err != nil {
		return fmt.Errorf("python3 -m venv: %w\n%s\n(python3-venv missing? run scripts/test-deps.sh)", err, out)
	}
	setup.python = filepath.Join(venv, "bin", "python")
	if runtime.GOOS == "windows" {
		setup.python = filepath.Join(venv, "Scripts", "python.exe")
	}
	sdk, err := filepath.Abs(filepath.Join(root, "sdk", "python"))
	if err != nil {
		return err
	}
	// A copy, so that pip's build leaves nothing in the source tree.
	src := filepath.Join(dir, "sdk-python")
	if err := os.CopyFS(src, os.DirFS(sdk)); err != nil {
		return fmt.Errorf("copying %s: %w", sdk, err)
	}
	pip := exec.Command(setup.python, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", "--no-cache-dir", "--quiet", src)
	pip.Env = append(os.Environ(), "PIP_NO_INPUT=1")
	if out, err := pip.CombinedOutput(); err != nil {
		return fmt.Errorf("pip install --no-index sdk/python: %w\n%s", err, out)
	}
	return nil
}

// sourcesOnce reads the sources once per run (see touchSources).
var sourcesOnce sync.Once //nolint:gochecknoglobals // once per test binary

// touchSources reads what these tests are made of: kodex's Go sources
// (the binary TestMain builds) and the SDK (installed by TestMain, run by
// python). go test logs the files a test opens, not TestMain's or a
// subprocess's: reading them here is what makes a change to them rerun
// these tests instead of reusing a cached result.
func touchSources() {
	for _, f := range []string{"go.mod", "go.sum"} {
		_, _ = os.ReadFile(filepath.Join(root, f))
	}
	for _, dir := range []string{"cmd", "internal", filepath.Join("sdk", "python")} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.Contains(p, "__pycache__") {
				_, _ = os.ReadFile(p)
			}
			return nil
		})
	}
}

// everything is the path of server-everything, the MCP server whose
// trigger-elicitation-request tool asks for a form (test/mcp's pinned npm
// packages; node runs it).
func everything(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(root, "test", "mcp", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("server-everything is not installed (%v): run scripts/test-deps.sh", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not on PATH (%v): run scripts/test-deps.sh", err)
	}
	return p
}

// env is one test's world: a KODEX_HOME whose config.toml points at the
// scripted model, a git repository to work in, with an image in it.
type env struct {
	model *modeltest.Server
	dir   string // everything below
	home  string // KODEX_HOME
	work  string // the repository, the scripts' working directory
	image string // a 1×1 PNG in work
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sourcesOnce.Do(touchSources)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		model: modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Func(answer)}, Loop: true}),
		dir:   dir,
		home:  filepath.Join(dir, "home", ".kodex"),
		work:  filepath.Join(dir, "work"),
	}
	for _, d := range []string{e.home, filepath.Join(e.work, ".git"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("openai_base_url = %q\n", e.model.URL())
	if err := os.WriteFile(filepath.Join(e.home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
	e.image = filepath.Join(e.work, "screenshot.png")
	if err := os.WriteFile(e.image, png, 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// python runs the venv's python with args in the repository, kodex on
// PATH, in a clean environment (nothing of the caller's: no API keys, no
// KODEX_HOME) plus extra. It returns stdout; a failure fails the test.
func (e *env) python(t *testing.T, extra []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, setup.python, args...)
	cmd.Dir = e.work
	cmd.Env = append([]string{
		"PATH=" + filepath.Dir(setup.kodex) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + filepath.Dir(e.home),
		"KODEX_HOME=" + e.home,
		"OPENAI_API_KEY=sk-test",
		"TMPDIR=" + filepath.Join(e.dir, "tmp"),
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
	}, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("python %s: %v\nstdout:\n%s\nstderr:\n%s\nmodel requests: %d", strings.Join(args, " "), err, stdout.String(), stderr.String(), len(e.model.Requests()))
	}
	if testing.Verbose() && stderr.Len() > 0 {
		t.Logf("python %s stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return stdout.String()
}
