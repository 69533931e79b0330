package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/session"
	"github.com/kodex-cli/kodex/internal/version"
)

// newCmdMCPLogin builds `kodex mcp login NAME` and `kodex mcp logout NAME`
// (Codex's commands, with its output).
func newCmdMCPLogin(f *Factory, g *GlobalOptions) (login, logout *cobra.Command) {
	var scopes string
	login = &cobra.Command{
		Use:   "login NAME",
		Short: "Log in to a streamable HTTP MCP server with OAuth",
		Long: `Log in to the MCP server NAME (a streamable HTTP server that answers 401)
with OAuth 2.1: kodex discovers its authorization server, registers itself,
prints the authorization URL (and opens a browser when it can), waits for
the browser to come back to a loopback address and stores the tokens in
$KODEX_HOME/mcp-auth/NAME.json (mode 0600). Sessions send them and refresh
them; kodex mcp logout NAME removes them. A client registered beforehand
is [mcp_servers.NAME.oauth] client_id (client_secret_env_var, callback_url);
scopes = [...] there are what --scopes sets for one login.`,
		Example: `  kodex mcp login docs
  kodex mcp login docs --scopes read,write`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var sc []string
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sc = append(sc, s)
				}
			}
			return runMCPLogin(cmd.Context(), f, g, args[0], sc)
		},
	}
	login.Flags().StringVar(&scopes, "scopes", "", "comma-separated `SCOPES` to request instead of the configured or the server's")
	logout = &cobra.Command{
		Use:     "logout NAME",
		Short:   "Remove the OAuth credentials of an MCP server",
		Example: `  kodex mcp logout docs`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMCPLogout(f, g, args[0])
		},
	}
	return login, logout
}

// httpServer resolves the configured HTTP server name.
func httpServer(f *Factory, g *GlobalOptions, name, what string) (mcp.ServerConfig, error) {
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		return mcp.ServerConfig{}, err
	}
	c, ok := cfg.MCPServers[name]
	if !ok {
		return mcp.ServerConfig{}, fmt.Errorf("no MCP server named %q found in configuration", name)
	}
	if !c.Enabled {
		return mcp.ServerConfig{}, fmt.Errorf("MCP server %q is disabled (enabled = false)", name)
	}
	if v := c.OAuth.ClientSecretEnvVar; v != "" && what == "login" && f.Getenv(v) == "" {
		return mcp.ServerConfig{}, fmt.Errorf("oauth.client_secret_env_var of MCP server %q names %s, which is not set", name, v)
	}
	for _, s := range session.MCPServers(cfg, cwd, f.Environ(), f.Getenv) {
		if s.Name != name {
			continue
		}
		if s.URL == "" {
			return mcp.ServerConfig{}, fmt.Errorf("OAuth %s is only supported for streamable HTTP servers (url), and %q is a stdio server", what, name)
		}
		return s, nil
	}
	return mcp.ServerConfig{}, fmt.Errorf("no MCP server named %q found in configuration", name)
}

func runMCPLogin(ctx context.Context, f *Factory, g *GlobalOptions, name string, scopes []string) error {
	s, err := httpServer(f, g, name, "login")
	if err != nil {
		return err
	}
	err = mcp.Login(ctx, mcp.LoginOptions{
		Server: s, Scopes: scopes, ClientVersion: version.Version,
		ShowURL: func(url string) {
			fmt.Fprintf(f.IO.Out, "Authorize `%s` by opening this URL in your browser:\n%s\n\n", name, url)
			if f.IO.StdoutTTY && f.IO.StdinTTY {
				if err := openBrowser(f, url); err != nil {
					fmt.Fprintln(f.IO.Out, "(Browser launch failed; please copy the URL above manually.)")
				}
			}
		},
	})
	if errors.Is(err, mcp.ErrNoLogin) {
		return fmt.Errorf("MCP server %q: %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("logging in to MCP server %q: %w", name, err)
	}
	fmt.Fprintf(f.IO.Out, "Successfully logged in to MCP server '%s'.\n", name)
	return nil
}

func runMCPLogout(f *Factory, g *GlobalOptions, name string) error {
	s, err := httpServer(f, g, name, "logout")
	if err != nil {
		return err
	}
	if s.CredentialsFile == "" {
		return errors.New("no $KODEX_HOME to keep credentials in")
	}
	removed, err := mcp.DeleteCredentials(s.CredentialsFile)
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(f.IO.Out, "Removed OAuth credentials for '%s'.\n", name)
	} else {
		fmt.Fprintf(f.IO.Out, "No OAuth credentials stored for '%s'.\n", name)
	}
	return nil
}

// openBrowser opens url in the person's browser when there is one: $BROWSER,
// or the platform's opener (xdg-open needs a display).
func openBrowser(f *Factory, url string) error {
	var cmd *exec.Cmd
	switch b := f.Getenv("BROWSER"); {
	case b != "":
		cmd = exec.Command(b, url)
	case runtime.GOOS == "darwin":
		cmd = exec.Command("open", url)
	case runtime.GOOS == "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	case f.Getenv("DISPLAY") == "" && f.Getenv("WAYLAND_DISPLAY") == "":
		return errors.New("no display")
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // the opener's exit says nothing we act on
	return nil
}
