package mcpconformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/testkit"
)

const depsHint = "run scripts/test-deps.sh (from the module root) to install the conformance suite and its Node"

func TestMain(m *testing.M) {
	if i := slices.Index(os.Args, harnessFlag); i > 0 && i+1 < len(os.Args) {
		if err := harness(os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "harness:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// callEveryTool is the scripted model: it calls every tool of the server
// "test" it is offered, with arguments made from their schemas, then
// answers.
func callEveryTool(r *modeltest.Request) modeltest.Response {
	if r.EndsWithToolOutput() {
		return modeltest.Text("done")
	}
	tools, _ := r.Body["tools"].([]any)
	var calls []modeltest.Call
	for _, t := range tools {
		tool, _ := t.(map[string]any)
		name, _ := tool["name"].(string)
		if !strings.HasPrefix(name, "mcp__test__") {
			continue
		}
		args, _ := json.Marshal(argsFor(tool["parameters"]))
		calls = append(calls, modeltest.FunctionCall(name, string(args)))
	}
	if len(calls) == 0 {
		return modeltest.Text("no tools")
	}
	return modeltest.Calls(calls...)
}

// argsFor makes arguments that fit a JSON schema's properties.
func argsFor(schema any) map[string]any {
	s, _ := schema.(map[string]any)
	props, _ := s["properties"].(map[string]any)
	args := map[string]any{}
	for name, p := range props {
		prop, _ := p.(map[string]any)
		switch prop["type"] {
		case "number", "integer":
			args[name] = 1
		case "boolean":
			args[name] = true
		case "object":
			args[name] = map[string]any{}
		case "array":
			args[name] = []any{}
		default:
			args[name] = "test"
		}
	}
	return args
}

type check struct {
	ID, Name, Status, ErrorMessage string
}

func TestConformanceClient(t *testing.T) {
	t.Parallel()
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(here, "node_modules", "node", "bin", "node")
	suite := filepath.Join(here, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	for _, p := range []string{node, suite} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v: %s", err, depsHint)
		}
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	kodex := filepath.Join(tmp, "kodex")
	build := exec.CommandContext(ctx, testkit.GoTool(), "build", "-o", kodex, "./cmd/kodex")
	build.Dir = filepath.Join(here, "..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	model := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Func(callEveryTool)}, Loop: true})
	results := filepath.Join(tmp, "results")
	args := []string{suite, "client", "--command", self + " " + harnessFlag, "-o", results,
		"--suite", "all", "--expected-failures", filepath.Join(here, "expected-failures.yml")}
	if one := os.Getenv("KODEX_CONFORMANCE_SCENARIO"); one != "" {
		args = append(args[:6], "--scenario", one) // while working on one scenario
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "KODEX_CONFORMANCE_BIN="+kodex, "KODEX_CONFORMANCE_MODEL="+model.URL(),
		"PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	runErr := cmd.Run()
	t.Logf("conformance:\n%s", out.String())
	if runErr != nil {
		t.Errorf("the conformance suite failed: %v", runErr)
	}
	reportChecks(t, results)
}

// reportChecks logs the checks that failed or warned, by scenario, with
// the end of the harness's output there.
func reportChecks(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	nested, _ := filepath.Glob(filepath.Join(dir, "*", "*", "checks.json")) // auth/…
	files = append(files, nested...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var checks []check
		_ = json.Unmarshal(data, &checks)
		bad := false
		for _, c := range checks {
			if c.Status == "FAILURE" || c.Status == "WARNING" {
				t.Logf("%s: %s %s: %s %s", filepath.Base(filepath.Dir(f)), c.Status, c.ID, c.Name, c.ErrorMessage)
				bad = true
			}
		}
		if bad {
			for _, name := range []string{"stdout.txt", "stderr.txt"} {
				out, _ := os.ReadFile(filepath.Join(filepath.Dir(f), name))
				if len(out) > 2000 {
					out = out[len(out)-2000:]
				}
				t.Logf("%s %s:\n%s", filepath.Base(filepath.Dir(f)), name, out)
			}
		}
	}
}
