package mcp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/mcp/oauthtest"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// login logs in to srv as the person would, the test playing the browser.
func login(t *testing.T, ctx context.Context, cfg ServerConfig) {
	t.Helper()
	browsed := make(chan error, 1)
	err := Login(ctx, LoginOptions{Server: cfg, ShowURL: func(u string) {
		go func() { browsed <- oauthtest.Browse(ctx, u) }()
	}})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if err := <-browsed; err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func whoami(t *testing.T, ctx context.Context, cfg ServerConfig) (string, Server) {
	t.Helper()
	m, _ := startManager(t, cfg)
	if err := m.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	s := m.Servers()[0]
	if s.State != protocol.McpReady {
		return "", s
	}
	res, err := m.CallTool(ctx, cfg.Name, "whoami", "c1", nil, nil)
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	return text(t, res), s
}

func TestOAuthLoginRefreshLogout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := oauthtest.New(oauthtest.Options{})
	t.Cleanup(srv.Close) // after the managers' Close (cleanups run last first)
	path := CredentialsPath(t.TempDir(), "web")
	cfg := ServerConfig{Name: "web", URL: srv.MCPURL(), CredentialsFile: path, StartupTimeout: 20 * time.Second, ToolTimeout: 20 * time.Second}

	// Without credentials: a clear failure with the fix, at once.
	_, s := whoami(t, ctx, cfg)
	if s.State != protocol.McpFailed || s.Error != "MCP server \"web\" requires login: run `kodex mcp login web`" || s.Auth != AuthNotLoggedIn {
		t.Fatalf("not logged in: state %s, auth %s, error %q", s.State, s.Auth, s.Error)
	}

	login(t, ctx, cfg)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("credentials directory mode %v, want 0700", di.Mode().Perm())
	}
	first, err := LoadCredentials(path)
	if err != nil || first == nil || first.Token.RefreshToken == "" || first.ClientID == "" {
		t.Fatalf("stored credentials %+v, %v", first, err)
	}
	if st := srv.Stats(); st.Registrations != 1 || st.CodeGrants != 1 {
		t.Fatalf("after login: %+v", st)
	}

	got, s := whoami(t, ctx, cfg)
	if got != "you are alice" || s.Auth != AuthOAuth {
		t.Fatalf("whoami = %q (auth %s, error %q)", got, s.Auth, s.Error)
	}
	if st := srv.Stats(); st.Refreshes != 0 {
		t.Fatalf("a valid token was refreshed: %+v", st)
	}

	// Expired (an hour passes): refreshed before the first request, and saved.
	first.Token.Expiry = time.Now().Add(-time.Minute)
	if err := SaveCredentials(path, first); err != nil {
		t.Fatal(err)
	}
	got, s = whoami(t, ctx, cfg)
	if got != "you are alice" || s.Auth != AuthOAuth {
		t.Fatalf("whoami = %q (auth %s, error %q)", got, s.Auth, s.Error)
	}
	second, _ := LoadCredentials(path)
	if st := srv.Stats(); st.Refreshes != 1 || second.Token.AccessToken == first.Token.AccessToken || second.Token.RefreshToken == first.Token.RefreshToken {
		t.Fatalf("expired token not refreshed and saved: %+v", st)
	}

	// Revoked by the server: the 401 refreshes it.
	srv.RevokeAccess()
	if got, s = whoami(t, ctx, cfg); got != "you are alice" {
		t.Fatalf("after revoke: whoami = %q (error %q)", got, s.Error)
	}
	if st := srv.Stats(); st.Refreshes != 2 || st.Rejected != 1 {
		t.Fatalf("401 did not refresh: %+v", st)
	}

	// Refresh token revoked too: the fix, not a hang or a login.
	srv.RevokeAll()
	_, s = whoami(t, ctx, cfg)
	if s.State != protocol.McpFailed || !strings.Contains(s.Error, "run `kodex mcp login web`") {
		t.Fatalf("revoked: state %s, error %q", s.State, s.Error)
	}
	if st := srv.Stats(); st.Authorizations != 1 {
		t.Fatalf("a session started a login: %+v", st)
	}

	if ok, err := DeleteCredentials(path); !ok || err != nil {
		t.Fatalf("DeleteCredentials = %v, %v", ok, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("credentials still there: %v", err)
	}
}

func TestLoginNeedsNone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	url := httpEverything(t)
	err := Login(ctx, LoginOptions{Server: ServerConfig{Name: "ev", URL: url, CredentialsFile: CredentialsPath(t.TempDir(), "ev")}})
	if !errors.Is(err, ErrNoLogin) {
		t.Fatalf("Login = %v, want ErrNoLogin", err)
	}
}

func TestInsufficientScopeNamesTheFix(t *testing.T) {
	t.Parallel()
	a := newStoredAuth(ServerConfig{Name: "web", URL: "http://127.0.0.1:1/mcp", CredentialsFile: CredentialsPath(t.TempDir(), "web")}, nil)
	resp := &http.Response{StatusCode: http.StatusForbidden, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{
		"Www-Authenticate": {`Bearer error="insufficient_scope", scope="files:read files:write"`},
	}}
	err := a.Authorize(t.Context(), httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/mcp", nil), resp)
	want := "MCP server \"web\" refused the request (403 Forbidden); if it needs other scopes, run `kodex mcp login web --scopes files:read,files:write`"
	if err == nil || err.Error() != want {
		t.Fatalf("Authorize = %v, want %s", err, want)
	}
}

// TestLoginRefused: a person who refuses in the browser ends the login
// with the authorization server's error, and nothing is stored.
func TestLoginRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := oauthtest.New(oauthtest.Options{})
	t.Cleanup(srv.Close)
	path := CredentialsPath(t.TempDir(), "web")
	refused := make(chan error, 1)
	err := Login(ctx, LoginOptions{Server: ServerConfig{Name: "web", URL: srv.MCPURL(), CredentialsFile: path}, ShowURL: func(u string) {
		go func() {
			// The browser comes back with the refusal instead of a code.
			q := mustQuery(t, u)
			refused <- oauthtest.Browse(ctx, q.Get("redirect_uri")+"?error=access_denied&state="+q.Get("state"))
		}()
	}})
	if err == nil || err.Error() != "the authorization server refused: access_denied" {
		t.Fatalf("Login = %v, want the refusal", err)
	}
	if err := <-refused; err != nil {
		t.Fatal(err)
	}
	if c, err := LoadCredentials(path); c != nil || err != nil {
		t.Fatalf("credentials after a refusal: %+v, %v", c, err)
	}
}

func mustQuery(t *testing.T, u string) url.Values {
	p, err := url.Parse(u)
	if err != nil {
		t.Error(err)
		return url.Values{}
	}
	return p.Query()
}

// TestLoginPreregistered: a client registered beforehand (oauth.client_id,
// its secret, its fixed callback) logs in without registering, sends its
// secret to the token endpoint, and its tokens refresh.
func TestLoginPreregistered(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	callback := "http://" + l.Addr().String() + "/oauth/cb"
	l.Close()
	srv := oauthtest.New(oauthtest.Options{ClientID: "kodex-cli", ClientSecret: "s3cret", RedirectURI: callback, NoRegistration: true})
	t.Cleanup(srv.Close)
	path := CredentialsPath(t.TempDir(), "web")
	cfg := ServerConfig{Name: "web", URL: srv.MCPURL(), CredentialsFile: path, StartupTimeout: 20 * time.Second, ToolTimeout: 20 * time.Second,
		OAuth: OAuthConfig{ClientID: "kodex-cli", ClientSecret: "s3cret", CallbackURL: callback}}
	login(t, ctx, cfg)
	if st := srv.Stats(); st.Registrations != 0 || st.CodeGrants != 1 {
		t.Fatalf("after login: %+v", st)
	}
	c, err := LoadCredentials(path)
	if err != nil || c == nil || c.ClientID != "kodex-cli" {
		t.Fatalf("credentials %+v, %v", c, err)
	}
	c.Token.Expiry = time.Now().Add(-time.Minute)
	if err := SaveCredentials(path, c); err != nil {
		t.Fatal(err)
	}
	if got, s := whoami(t, ctx, cfg); got != "you are alice" {
		t.Fatalf("whoami = %q (error %q)", got, s.Error)
	}
	if st := srv.Stats(); st.Refreshes != 1 {
		t.Fatalf("not refreshed with the client's secret: %+v", st)
	}
	wrong := cfg
	wrong.OAuth.ClientSecret = "guess"
	err = Login(ctx, LoginOptions{Server: wrong, ShowURL: func(u string) { go func() { _ = oauthtest.Browse(ctx, u) }() }})
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("Login with a wrong secret = %v, want invalid_client", err)
	}
	bad := cfg
	bad.OAuth.CallbackURL = "http://example.com:80/cb"
	if err := Login(ctx, LoginOptions{Server: bad}); err == nil || !strings.Contains(err.Error(), "want a loopback http URL") {
		t.Fatalf("Login with a remote callback = %v", err)
	}
}

// TestDamagedCredentials: a credentials file that does not parse is a
// login to redo, and the failure says why.
func TestDamagedCredentials(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := oauthtest.New(oauthtest.Options{})
	t.Cleanup(srv.Close)
	path := CredentialsPath(t.TempDir(), "web")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, s := whoami(t, ctx, ServerConfig{Name: "web", URL: srv.MCPURL(), CredentialsFile: path, StartupTimeout: 20 * time.Second})
	if s.State != protocol.McpFailed || !strings.HasPrefix(s.Error, "MCP server \"web\" requires login: run `kodex mcp login web` (reading MCP credentials ") {
		t.Fatalf("state %s, error %q", s.State, s.Error)
	}
}
