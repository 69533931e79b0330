package mcpconformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/mcp/oauthtest"
)

// The harness is this test binary run by the conformance suite as the
// client under test: `harness_test --harness URL`, with the scenario in
// $MCP_CONFORMANCE_SCENARIO, kodex in $KODEX_CONFORMANCE_BIN and the
// scripted model in $KODEX_CONFORMANCE_MODEL.
const harnessFlag = "--kodex-conformance-harness"

// harness runs kodex against the scenario's server at url.
func harness(url string) error {
	kodex, modelURL := os.Getenv("KODEX_CONFORMANCE_BIN"), os.Getenv("KODEX_CONFORMANCE_MODEL")
	scenario := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	if kodex == "" || modelURL == "" {
		return errors.New("KODEX_CONFORMANCE_BIN and KODEX_CONFORMANCE_MODEL must be set")
	}
	dir, err := os.MkdirTemp("", "kodex-conformance-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	home, work := filepath.Join(dir, ".kodex"), filepath.Join(dir, "work")
	for _, d := range []string{home, work} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	config := fmt.Sprintf(`model = "gpt-test"
model_provider = "fake"

[model_providers.fake]
name = "fake"
base_url = %q
wire_api = "responses"

[mcp_servers.test]
url = %q
startup_timeout_sec = 20
tool_timeout_sec = 20
`, modelURL, url)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "KODEX_HOME=" + home, "TMPDIR=" + os.TempDir(), "NO_COLOR=1", "OPENAI_API_KEY=sk-test"}
	// A client registered beforehand (auth/pre-registration) is configured
	// as a person would configure it.
	var sc struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if ctx := os.Getenv("MCP_CONFORMANCE_CONTEXT"); ctx != "" && scenario == "auth/pre-registration" {
		if err := json.Unmarshal([]byte(ctx), &sc); err != nil {
			return fmt.Errorf("MCP_CONFORMANCE_CONTEXT: %w", err)
		}
		config += fmt.Sprintf("\n[mcp_servers.test.oauth]\nclient_id = %q\nclient_secret_env_var = \"TEST_CLIENT_SECRET\"\n", sc.ClientID)
		env = append(env, "TEST_CLIENT_SECRET="+sc.ClientSecret)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if strings.HasPrefix(scenario, "auth/") {
		if err := login(ctx, kodex, work, env); err != nil {
			return err
		}
	}
	out, err := run(ctx, kodex, work, env)
	if err != nil {
		return err
	}
	// A server that wants more scopes (step-up) gets them the way a person
	// gets them: by running the login kodex names, then the session again.
	if _, rest, ok := strings.Cut(out, "run `kodex mcp login test --scopes "); ok {
		scopes, _, _ := strings.Cut(rest, "`")
		if err := login(ctx, kodex, work, env, "--scopes", scopes); err != nil {
			return err
		}
		_, err = run(ctx, kodex, work, env)
	}
	return err
}

// run runs one kodex exec session, its output also the harness's.
func run(ctx context.Context, kodex, work string, env []string) (string, error) {
	var out strings.Builder
	cmd := exec.CommandContext(ctx, kodex, "exec", "--json", "--full-auto", "--skip-git-repo-check", "call the tools")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = work, env, io.MultiWriter(os.Stdout, &out), os.Stderr
	err := cmd.Run()
	return out.String(), err
}

// login runs kodex mcp login test and plays the browser: it GETs the
// authorization URL kodex prints and follows the redirects back to kodex.
func login(ctx context.Context, kodex, work string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, kodex, append([]string{"mcp", "login", "test"}, args...)...)
	cmd.Dir, cmd.Env, cmd.Stderr = work, env, os.Stderr
	return oauthtest.RunLogin(ctx, cmd, os.Stdout)
}
