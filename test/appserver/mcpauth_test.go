package appserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/mcp/oauthtest"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestMCPServerAuthStatus: mcpServerStatus/list says whether an HTTP server
// that wants OAuth is logged in (notLoggedIn, then oAuth after a login).
func TestMCPServerAuthStatus(t *testing.T) {
	t.Parallel()
	oauth := oauthtest.New(oauthtest.Options{})
	t.Cleanup(oauth.Close)
	e := newEnv(t, modeltest.New(t).URL())
	e.extraConfig = "[mcp_servers.web]\nurl = \"" + oauth.MCPURL() + "\"\n"
	type status struct {
		Data []struct{ Name, RuntimeStatus, AuthStatus string }
	}
	list := func() status {
		s := e.start(t)
		s.initialize()
		var st status
		s.result("mcpServerStatus/list", map[string]any{}, &st)
		return st
	}
	if st := list(); len(st.Data) != 1 || st.Data[0].AuthStatus != "notLoggedIn" || st.Data[0].RuntimeStatus != "failed" {
		t.Fatalf("before login: %+v", st)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	browsed := make(chan error, 1)
	err := mcp.Login(ctx, mcp.LoginOptions{
		Server:  mcp.ServerConfig{Name: "web", URL: oauth.MCPURL(), CredentialsFile: mcp.CredentialsPath(e.home, "web")},
		ShowURL: func(u string) { go func() { browsed <- oauthtest.Browse(ctx, u) }() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-browsed; err != nil {
		t.Fatal(err)
	}
	if st := list(); len(st.Data) != 1 || st.Data[0].AuthStatus != "oAuth" || st.Data[0].RuntimeStatus != "connected" {
		t.Fatalf("after login: %+v", st)
	}
}
