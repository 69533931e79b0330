package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/sandbox"
)

// TestMain lets the test binary act as the real kodex binary in end-to-end
// scripts (testscript puts it on PATH as "kodex"), including as the
// re-executed sandbox helper.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == sandbox.HelperArg {
		os.Exit(sandbox.HelperMain(os.Args[2:]))
	}
	testscript.Main(m, map[string]func(){
		"kodex": func() { os.Exit(Main(context.Background(), os.Args)) },
		// kodex-exit CODE ARGS… runs kodex ARGS… and succeeds only if it
		// exits with CODE, so scripts can check exit codes exactly.
		"kodex-exit": func() {
			want := os.Args[1]
			got := Main(context.Background(), append([]string{"kodex"}, os.Args[2:]...))
			if strconv.Itoa(got) != want {
				fmt.Fprintf(os.Stderr, "kodex exited with %d, want %s\n", got, want)
				os.Exit(1)
			}
		},
	})
}

// TestScripts runs testdata/script/*.txtar through the real binary against a
// scripted model. A script that ships model.json gets a fake model server
// serving it; its URL is in $MODEL_URL, and the commands below inspect what
// the model received.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"modelreqs": cmdModelReqs,
			"modelreq":  cmdModelReq,
			"waitfile":  cmdWaitFile,
			"noproc":    cmdNoProc,
			"unbase64":  cmdUnbase64,
			"mcphttp":   cmdMCPHTTP,
			"mcpoauth":  cmdMCPOAuth,
			"mcplogin":  cmdMCPLogin,
			"mcpcreds":  cmdMCPCreds,
			"mcpexpire": cmdMCPExpire,
		},
	})
}

type modelKey struct{}

func setupScript(env *testscript.Env) error {
	user := filepath.Join(env.WorkDir, "home")
	home := filepath.Join(user, ".kodex")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	env.Setenv("KODEX_HOME", home)
	env.Setenv("HOME", user)
	env.Setenv("OPENAI_API_KEY", "sk-test")
	env.Setenv("NO_COLOR", "1")
	// The real MCP servers scripts/test-deps.sh installs (test/mcp).
	mcpModules, err := filepath.Abs("../../test/mcp/node_modules/@modelcontextprotocol")
	if err != nil {
		return err
	}
	env.Setenv("MCP_SERVERS", mcpModules)
	env.Values[oauthKey{}] = &oauthSlot{}
	scriptPath := filepath.Join(env.WorkDir, "model.json")
	if _, err := os.Stat(scriptPath); err != nil {
		return nil
	}
	script, err := modeltest.LoadScript(scriptPath)
	if err != nil {
		return err
	}
	srv := modeltest.NewServer(modeltest.Options{Script: script.Responses, Loop: script.Loop})
	env.Defer(srv.Close)
	env.Values[modelKey{}] = srv
	env.Setenv("MODEL_URL", srv.URL())
	return nil
}

func server(ts *testscript.TestScript) *modeltest.Server {
	srv, _ := ts.Value(modelKey{}).(*modeltest.Server)
	if srv == nil {
		ts.Fatalf("no model.json in this script")
	}
	return srv
}

// cmdModelReqs asserts how many requests the model received: modelreqs N
func cmdModelReqs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: modelreqs N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	srv := server(ts)
	got := len(srv.Requests())
	if (got == want) == neg {
		ts.Fatalf("model received %d requests, want %d", got, want)
	}
}

// cmdModelReq prints request N (1-based): its path, headers and raw body,
// for stdout assertions: modelreq N
func cmdModelReq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: modelreq N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	reqs := server(ts).Requests()
	if n < 1 || n > len(reqs) {
		ts.Fatalf("no request %d (got %d)", n, len(reqs))
	}
	r := reqs[n-1]
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.Path)
	for k, v := range r.Header {
		fmt.Fprintf(&b, "%s: %s\n", strings.ToLower(k), strings.Join(v, ","))
	}
	b.WriteString("\n")
	b.Write(r.Raw)
	b.WriteString("\n")
	_, _ = ts.Stdout().Write([]byte(b.String()))
}

// cmdWaitFile waits (up to 30 s) until a file exists: waitfile PATH. It
// synchronises with a background kodex that creates the file from a command.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: waitfile PATH")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within 30s", args[0])
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing
	}
}

// cmdNoProc fails if any process's command line contains PATTERN:
// noproc PATTERN. It checks that commands did not outlive kodex.
func cmdNoProc(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: noproc PATTERN")
	}
	// A process killed through its parent's death (PR_SET_PDEATHSIG, a PID
	// namespace's init going away) dies asynchronously: allow it a bound.
	deadline := time.Now().Add(10 * time.Second)
	for {
		pid, cmd := findProc(ts, args[0])
		if pid == "" {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("process %s still running: %s", pid, cmd)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// findProc returns a process whose command line contains pattern.
func findProc(ts *testscript.TestScript, pattern string) (pid, cmdline string) {
	entries, err := os.ReadDir("/proc")
	ts.Check(err)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if cmd := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})); strings.Contains(cmd, pattern) {
			return e.Name(), cmd
		}
	}
	return "", ""
}

// cmdUnbase64 decodes a base64 file into a binary one (txtar holds text
// only): unbase64 IN OUT
func cmdUnbase64(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: unbase64 IN OUT")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}
