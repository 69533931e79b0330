package tssdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install node, npm and this test's npm packages"

// fixture is what TestMain prepares once: the kodex binary (in binDir,
// put first on PATH) and an app directory with @kodex-cli/sdk installed
// from a tarball of sdk/typescript, as a user would install it.
type fixture struct {
	binDir, app, root, here string
}

var fx fixture //nolint:gochecknoglobals // built once for every test

func TestMain(m *testing.M) {
	dir, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tssdk:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// setup builds kodex and installs the SDK into a new directory, which it
// returns.
func setup() (string, error) {
	here, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root := filepath.Join(here, "..", "..")
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			return "", fmt.Errorf("%s is not on PATH (%w): %s", bin, err, depsHint)
		}
	}
	dir, err := os.MkdirTemp("", "kodex-tssdk-test-")
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		_ = os.RemoveAll(dir)
		return "", err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return fail(err)
	}
	fx = fixture{binDir: filepath.Join(dir, "bin"), app: filepath.Join(dir, "app"), root: root, here: here}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, testkit.GoTool(), "build", "-o", filepath.Join(fx.binDir, "kodex"), "./cmd/kodex")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("building kodex: %w\n%s", err, out))
	}
	// npm pack, then install the tarball offline: what a user gets from
	// `npm install ./sdk/typescript`, with only the files the package
	// lists. Its own cache, so the user's is not touched.
	npmEnv := append(os.Environ(), "npm_config_cache="+filepath.Join(dir, "npm-cache"), "npm_config_update_notifier=false")
	pack := exec.CommandContext(ctx, "npm", "pack", "--silent", "--pack-destination", dir, filepath.Join(root, "sdk", "typescript"))
	pack.Env = npmEnv
	out, err := pack.Output()
	if err != nil {
		return fail(fmt.Errorf("npm pack sdk/typescript: %w\n%s", err, stderrOf(err)))
	}
	tarball := filepath.Join(dir, strings.TrimSpace(lastLine(string(out))))
	if err := os.MkdirAll(fx.app, 0o700); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(fx.app, "package.json"), []byte(`{"name":"app","private":true,"type":"module"}`+"\n"), 0o600); err != nil {
		return fail(err)
	}
	install := exec.CommandContext(ctx, "npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball)
	install.Dir = fx.app
	install.Env = npmEnv
	if out, err := install.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("npm install --offline %s (it has no dependencies): %w\n%s", tarball, err, out))
	}
	return dir, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func stderrOf(err error) []byte {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Stderr
	}
	return nil
}

// env is one test's world: a scripted model, a KODEX_HOME whose
// config.toml points at it, a HOME, and a git repository to work in.
type env struct {
	srv                   *modeltest.Server
	home, kodexHome, work string
	extra                 []string // more environment variables for node
}

func newEnv(t *testing.T, script ...modeltest.Response) *env {
	t.Helper()
	touchSources(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: modeltest.New(t, script...), home: filepath.Join(dir, "home"), kodexHome: filepath.Join(dir, "kodex-home"), work: filepath.Join(dir, "work")}
	for _, d := range []string{e.home, e.kodexHome, e.work, filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("openai_base_url = %q\n", e.srv.URL())
	if err := os.WriteFile(filepath.Join(e.kodexHome, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	git := exec.CommandContext(t.Context(), "git", "init", "-q")
	git.Dir = e.work
	git.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.home}
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	e.extra = append(e.extra, "TMPDIR="+filepath.Join(dir, "tmp"))
	return e
}

// node runs a script of the app directory (where @kodex-cli/sdk is
// installed) in the work directory, with kodex first on PATH, and returns
// its stdout.
func (e *env) node(t *testing.T, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(fx.app, script)}, args...)...)
	cmd.Dir = e.work
	// A clean environment: no API key or kodex setting of the caller leaks in.
	cmd.Env = append([]string{
		"PATH=" + fx.binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + e.home,
		"KODEX_HOME=" + e.kodexHome,
		"OPENAI_API_KEY=sk-test",
		"NO_COLOR=1",
	}, e.extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s\nmodel requests: %d", script, err, stdout.String(), stderr.String(), len(e.srv.Requests()))
	}
	if stderr.Len() > 0 {
		t.Logf("node %s stderr:\n%s", script, stderr.String())
	}
	return stdout.String()
}

// writeApp writes a file into the app directory.
func writeApp(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(fx.app, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// touchSources reads what the tests run (kodex's Go sources, the SDK, the
// scripts here): go test logs the files a test opens, and reading them is
// what tells its cache that a change to them invalidates a cached result
// (the build and the install happen in TestMain, whose reads are not
// logged).
func touchSources(t *testing.T) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		_, _ = os.ReadFile(filepath.Join(fx.root, f))
	}
	for _, dir := range []string{"cmd", "internal", filepath.Join("sdk", "typescript"), filepath.Join("test", "tssdk")} {
		_ = filepath.WalkDir(filepath.Join(fx.root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return nil //nolint:nilerr // best effort
			}
			if d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				_, _ = os.ReadFile(p)
			}
			return nil
		})
	}
}

// nested walks JSON objects by key and returns the value, or nil.
func nested(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// inputOf renders a request's input items, one per line, for failure
// messages.
func inputOf(r modeltest.Request) string {
	var b strings.Builder
	for _, it := range r.Input() {
		line, _ := json.Marshal(it)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// userSaid reports whether a user message of the request's input contains s.
func userSaid(r modeltest.Request, s string) bool {
	for _, it := range r.Input() {
		if it.Type == model.ItemMessage && it.Role == "user" && strings.Contains(it.Text(), s) {
			return true
		}
	}
	return false
}
