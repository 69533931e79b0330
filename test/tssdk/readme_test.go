package tssdk_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// example is what a README example needs (the model's script, files in
// the work directory, server-everything configured as MCP server
// "everything") and what it must have done.
type example struct {
	script     []modeltest.Response
	files      map[string][]byte
	everything bool
	check      func(t *testing.T, e *env, out string)
}

// A 1×1 PNG.
var pixel, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==") //nolint:gochecknoglobals // a constant

// examples are the README's examples by the name on their first line.
func examples() map[string]example {
	return map[string]example{
		"quickstart.mjs": {
			script: []modeltest.Response{modeltest.Text("The test fails because add returns a - b; make it a + b.")},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "The test fails because add returns a - b; make it a + b.", "type: 'agent_message'")
				if !userSaid(e.srv.Requests()[0], "Diagnose the test failure") {
					t.Errorf("the model was not asked the prompt; its input:\n%s", inputOf(e.srv.Requests()[0]))
				}
			},
		},
		// The "done when": a thread with a command approval.
		"approve.mjs": {
			script: []modeltest.Response{
				modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","CHANGELOG.md"]}`)),
				modeltest.Text("CHANGELOG.md is there."),
			},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "kodex asks to run: touch CHANGELOG.md\n", "touch CHANGELOG.md completed 0\n", "CHANGELOG.md is there.\n")
				if _, err := os.Stat(filepath.Join(e.work, "CHANGELOG.md")); err != nil {
					t.Errorf("the approved command did not run: %v", err)
				}
				if r := e.srv.Requests()[1]; !r.EndsWithToolOutput() {
					t.Errorf("request 2 does not end with the command's output; its input:\n%s", inputOf(r))
				}
			},
		},
		"forms.ts": {
			script: []modeltest.Response{
				modeltest.Calls(modeltest.FunctionCall("mcp__everything__trigger-elicitation-request", "{}")),
				modeltest.Text("You are signed up."),
			},
			everything: true,
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "everything asks: Please provide inputs for the following fields:\n",
					"everything trigger-elicitation-request completed\n", "You are signed up.\n")
				if r := e.srv.Requests()[1]; !strings.Contains(r.LastToolOutput(), "- Name: Ada Lovelace") {
					t.Errorf("the model did not get the server's answer to the accepted form: %q", r.LastToolOutput())
				}
			},
		},
		"stream.mjs": {
			script: []modeltest.Response{
				modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["ls"]}`)),
				modeltest.Text("A README and a Go file."),
			},
			files: map[string][]byte{"README": []byte("hi\n"), "main.go": []byte("package main\n")},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "type: 'command_execution'", "aggregated_output: 'README\\nmain.go\\n'", "text: 'A README and a Go file.'", "usage: {")
				if i, j := strings.Index(out, "command_execution"), strings.Index(out, "agent_message"); i < 0 || j < i {
					t.Errorf("the command's item is not printed before the answer's:\n%s", out)
				}
			},
		},
		"structured.mjs": {
			script: []modeltest.Response{modeltest.Text(`{"summary":"All tests pass.","status":"ok"}`)},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "ok: All tests pass.\n")
				body := e.srv.Requests()[0].Body
				if typ := nested(body, "text", "format", "type"); typ != "json_schema" {
					t.Errorf("text.format.type = %v, want json_schema", typ)
				}
				if enum := nested(body, "text", "format", "schema", "properties", "status", "enum"); fmt.Sprint(enum) != "[ok action_required]" {
					t.Errorf("text.format.schema's status enum = %v, want the example's", enum)
				}
			},
		},
		"images.mjs": {
			script: []modeltest.Response{modeltest.Text("A login form and an error page.")},
			files:  map[string][]byte{"ui.png": pixel},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "A login form and an error page.\n")
				var images []string
				for _, it := range e.srv.Requests()[0].Input() {
					for _, p := range it.Content {
						if p.Type == model.PartInputImage {
							images = append(images, p.ImageURL)
						}
					}
				}
				if len(images) != 2 || !strings.HasPrefix(images[0], "data:image/png;base64,") || images[1] != "https://example.com/error.png" {
					t.Errorf("the request's images = %.80q, want ui.png as a data URL, then the URL", images)
				}
			},
		},
		"threads.mjs": {
			script: []modeltest.Response{modeltest.Text("Noted."), modeltest.Text("42."), modeltest.Text("43.")},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "42.\n43.\n", " Remember the number 42\n")
				if n := strings.Count(out, "Remember the number 42"); n != 2 {
					t.Errorf("listThreads printed %d threads, want 2 (the thread and its fork):\n%s", n, out)
				}
				for i, r := range e.srv.Requests()[1:] {
					if !userSaid(r, "Remember the number 42") {
						t.Errorf("request %d lacks the thread's history; its input:\n%s", i+2, inputOf(r))
					}
				}
				if fork := e.srv.Requests()[2]; !userSaid(fork, "Which number?") || !userSaid(fork, "Add one to it") {
					t.Errorf("the fork's request lacks the thread's second turn or its own prompt; its input:\n%s", inputOf(fork))
				}
				archived, _ := filepath.Glob(filepath.Join(e.kodexHome, "archived", "sessions", "*", "*", "*", "*.jsonl"))
				if len(archived) != 1 {
					t.Errorf("archived transcripts: %v, want the fork's", archived)
				}
			},
		},
		"interrupt.mjs": {
			script: []modeltest.Response{
				modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["sleep","30"]}`)),
				modeltest.Text("The tests are in test/."),
			},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "stopping before sleep 30 finishes\nAbortError\nThe tests are in test/.\n")
			},
		},
		"errors.mjs": {
			check: func(t *testing.T, e *env, out string) {
				want(t, out, `spawn kodex: cannot start "/opt/kodex/bin/kodex" (ENOENT)`, "rpc -32602 thread/resume\n")
			},
		},
		"switch.ts": {
			script: []modeltest.Response{modeltest.Text("It builds with make.")},
			check: func(t *testing.T, e *env, out string) {
				want(t, out, "It builds with make.\nthread.started turn.started item.started item.updated", "item.completed turn.completed\nthread ")
			},
		},
	}
}

// The README's examples: ```js and ```ts blocks, named by their first line.
var exampleRE = regexp.MustCompile("(?s)```(js|ts)\n// ([^\n]+)\n(.*?)```") //nolint:gochecknoglobals // a constant

// TestREADMEExamples runs every example of sdk/typescript/README.md as it is
// (TypeScript ones compiled by the pinned tsc, which type-checks them and
// the SDK's declarations) against kodex and the scripted model, and checks
// what each printed and what reached the model.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(fx.root, "sdk", "typescript", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	all := examples()
	found := map[string]bool{}
	for _, m := range exampleRE.FindAllStringSubmatch(string(readme), -1) {
		lang, name, code := m[1], m[2], "// "+m[2]+"\n"+m[3]
		found[name] = true
		ex, ok := all[name]
		if !ok {
			t.Errorf("README example %q has no entry in examples(): add what it needs and what it must do", name)
			continue
		}
		if !strings.HasSuffix(name, "."+map[string]string{"js": "mjs", "ts": "ts"}[lang]) {
			t.Errorf("README example %q is a ```%s block", name, lang)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ex.script...)
			if ex.everything {
				e.addEverything(t)
			}
			for f, data := range ex.files {
				if err := os.WriteFile(filepath.Join(e.work, f), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			writeApp(t, name, code)
			script := name
			if lang == "ts" {
				script = compileTS(t, name)
			}
			ex.check(t, e, e.node(t, script))
		})
	}
	for name := range all {
		if !found[name] {
			t.Errorf("example %q is not in the README (a ```js or ```ts block whose first line is // %s)", name, name)
		}
	}
}

// compileTS compiles a TypeScript file of the app directory with the
// pinned tsc (strict; the SDK's declarations checked too) and returns the
// JavaScript's path in the app directory.
func compileTS(t *testing.T, name string) string {
	t.Helper()
	out := "ts-" + strings.TrimSuffix(name, ".ts")
	tsc(t, "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
		"--types", "node", "--typeRoots", filepath.Join(fx.here, "node_modules", "@types"),
		"--outDir", filepath.Join(fx.app, out), filepath.Join(fx.app, name))
	return filepath.Join(out, strings.TrimSuffix(name, ".ts")+".js")
}

// tsc runs the pinned TypeScript compiler in the app directory.
func tsc(t *testing.T, args ...string) {
	t.Helper()
	bin := filepath.Join(fx.here, "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("typescript is not installed in %s/node_modules (%v): %s", fx.here, err, depsHint)
	}
	cmd := exec.CommandContext(t.Context(), "node", append([]string{bin}, args...)...)
	cmd.Dir = fx.app
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestTypes type-checks compat.ts: the values of Codex's SDK's types (the
// pinned @openai/codex-sdk of test/sdk) are values of kodex's, so code
// written for Codex's SDK compiles against @kodex-cli/sdk.
func TestTypes(t *testing.T) {
	t.Parallel()
	touchSources(t)
	codex := filepath.Join(fx.root, "test", "sdk", "node_modules", "@openai", "codex-sdk", "dist", "index.d.ts")
	if _, err := os.Stat(codex); err != nil {
		t.Fatalf("Codex's SDK is not installed in test/sdk/node_modules (%v): %s", err, depsHint)
	}
	src, err := os.ReadFile(filepath.Join(fx.here, "compat.ts"))
	if err != nil {
		t.Fatal(err)
	}
	writeApp(t, "compat.ts", string(src))
	// Codex's declarations import @modelcontextprotocol/sdk, which is not
	// installed: skipLibCheck leaves that type open. kodex's declarations
	// are checked without it by the README's TypeScript example.
	tsconfig := fmt.Sprintf(`{
  "compilerOptions": {
    "strict": true, "noEmit": true, "skipLibCheck": true,
    "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
    "types": ["node"], "typeRoots": [%q],
    "paths": {"@openai/codex-sdk": [%q]}
  },
  "files": ["compat.ts"]
}
`, filepath.Join(fx.here, "node_modules", "@types"), codex)
	writeApp(t, "tsconfig.compat.json", tsconfig)
	tsc(t, "-p", "tsconfig.compat.json")
}

// want reports each string out lacks.
func want(t *testing.T, out string, subs ...string) {
	t.Helper()
	if i := slices.IndexFunc(subs, func(s string) bool { return !strings.Contains(out, s) }); i >= 0 {
		t.Errorf("output lacks %q:\n%s", subs[i], out)
	}
}
