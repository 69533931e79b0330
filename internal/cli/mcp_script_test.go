package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/mcp/oauthtest"
)

// cmdMCPHTTP starts @modelcontextprotocol/server-everything over streamable
// HTTP on a free local port, for the rest of the script, and sets
// $MCP_HTTP_URL once it says it listens: mcphttp
func cmdMCPHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 0 || neg {
		ts.Fatalf("usage: mcphttp")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	node, err := exec.LookPath("node")
	if err != nil {
		ts.Fatalf("node is not installed: run scripts/test-deps.sh")
	}
	cmd := exec.Command(node, filepath.Join(ts.Getenv("MCP_SERVERS"), "server-everything/dist/index.js"), "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	stderr, err := cmd.StderrPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	ts.Defer(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on port") {
			go func() {
				for sc.Scan() { // keep draining so the server never blocks
				}
			}()
			ts.Setenv("MCP_HTTP_URL", fmt.Sprintf("http://127.0.0.1:%d/mcp", port))
			return
		}
	}
	ts.Fatalf("the MCP HTTP server did not start: %v", sc.Err())
}

type oauthKey struct{}

// oauthSlot holds a script's OAuth test server (mcpoauth start).
type oauthSlot struct{ srv *oauthtest.Server }

func oauthServer(ts *testscript.TestScript) *oauthtest.Server {
	slot := ts.Value(oauthKey{}).(*oauthSlot)
	if slot.srv == nil {
		ts.Fatalf("no OAuth test server: mcpoauth start")
	}
	return slot.srv
}

// cmdMCPOAuth drives a local OAuth authorization server and the MCP server
// it protects (internal/mcp/oauthtest):
//
//	mcpoauth start        start it; $MCP_OAUTH_URL is its MCP endpoint
//	mcpoauth revoke       invalidate the access tokens (the next request is a 401)
//	mcpoauth stats        print its counts: registrations=N code_grants=N refreshes=N
func cmdMCPOAuth(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: mcpoauth start|revoke|stats")
	}
	switch args[0] {
	case "start":
		srv := oauthtest.New(oauthtest.Options{})
		ts.Value(oauthKey{}).(*oauthSlot).srv = srv
		ts.Defer(srv.Close)
		ts.Setenv("MCP_OAUTH_URL", srv.MCPURL())
	case "revoke":
		oauthServer(ts).RevokeAccess()
	case "stats":
		st := oauthServer(ts).Stats()
		fmt.Fprintf(ts.Stdout(), "registrations=%d code_grants=%d refreshes=%d\n", st.Registrations, st.CodeGrants, st.Refreshes)
	default:
		ts.Fatalf("usage: mcpoauth start|revoke|stats")
	}
}

// kodexEnv is the script's environment for a kodex run by a command.
func kodexEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "KODEX_HOME", "TMPDIR", "NO_COLOR", "OPENAI_API_KEY"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

// cmdMCPLogin runs kodex mcp login NAME and plays the browser: it GETs the
// authorization URL kodex prints (following the redirect back to kodex's
// loopback address). kodex's output is the command's: mcplogin NAME
func cmdMCPLogin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mcplogin NAME")
	}
	kodex := ""
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "kodex")); err == nil {
			kodex = filepath.Join(dir, "kodex")
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kodex, "mcp", "login", args[0])
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = kodexEnv(ts)
	var stdout, stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := oauthtest.RunLogin(ctx, cmd, &stdout)
	fmt.Fprint(ts.Stdout(), stdout.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	if (err != nil) != neg {
		ts.Fatalf("kodex mcp login: %v", err)
	}
}

// cmdMCPCreds checks the stored OAuth credentials of server NAME: the file
// is mode 0600, and its tokens appear in no other file under $KODEX_HOME
// or $WORK (logs, rollouts, the model's requests). neg: there are none.
// mcpcreds NAME
func cmdMCPCreds(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mcpcreds NAME")
	}
	path := mcp.CredentialsPath(ts.Getenv("KODEX_HOME"), args[0])
	c, err := mcp.LoadCredentials(path)
	ts.Check(err)
	if neg {
		if c != nil {
			ts.Fatalf("%s holds credentials", path)
		}
		return
	}
	if c == nil {
		ts.Fatalf("no credentials in %s", path)
	}
	fi, err := os.Stat(path)
	ts.Check(err)
	if fi.Mode().Perm() != 0o600 {
		ts.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	secrets := []string{c.Token.AccessToken, c.Token.RefreshToken}
	for _, root := range []string{ts.Getenv("KODEX_HOME"), ts.Getenv("WORK")} {
		ts.Check(filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || p == path {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil //nolint:nilerr // unreadable (a socket): no secret to find
			}
			for _, s := range secrets {
				if s != "" && bytes.Contains(data, []byte(s)) {
					ts.Fatalf("%s contains an OAuth token", p)
				}
			}
			return nil
		}))
	}
}

// cmdMCPExpire makes the stored access token of server NAME expired, as if
// an hour had passed: mcpexpire NAME
func cmdMCPExpire(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: mcpexpire NAME")
	}
	path := mcp.CredentialsPath(ts.Getenv("KODEX_HOME"), args[0])
	c, err := mcp.LoadCredentials(path)
	ts.Check(err)
	if c == nil {
		ts.Fatalf("no credentials in %s", path)
	}
	c.Token.Expiry = time.Now().Add(-time.Minute)
	ts.Check(mcp.SaveCredentials(path, c))
}
