package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/kodex-cli/kodex/internal/patch"
)

// Auth statuses of a server, as Codex names them (`codex mcp list --json`,
// snake_case).
const (
	AuthUnsupported = "unsupported"   // stdio, or HTTP that asks for no login
	AuthNotLoggedIn = "not_logged_in" // HTTP that answered 401 and has no credentials
	AuthBearerToken = "bearer_token"  // bearer_token_env_var or an Authorization header
	AuthOAuth       = "o_auth"        // credentials from kodex mcp login
)

// LoginRequiredError is a server that answered 401 when kodex has no
// credentials for it (or they can no longer be refreshed).
type LoginRequiredError struct {
	Server string
	Reason string // why the stored credentials did not do, if there were some
}

func (e *LoginRequiredError) Error() string {
	msg := fmt.Sprintf("MCP server %q requires login: run `kodex mcp login %s`", e.Server, e.Server)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// CredentialsPath is where the OAuth credentials of server name are kept
// under home ($KODEX_HOME): one 0600 file per server.
func CredentialsPath(home, name string) string {
	return filepath.Join(home, "mcp-auth", name+".json")
}

// Credentials are what kodex mcp login obtained for one server: the
// registered client, the token endpoint and the tokens. They are secrets:
// they live in their file and the HTTP transport, never in a log, an event,
// the rollout or the sandbox.
type Credentials struct {
	// URL is the server's URL they were granted for; for another URL
	// they are not used.
	URL          string           `json:"url"`
	ClientID     string           `json:"client_id"`
	ClientSecret string           `json:"client_secret,omitempty"`
	AuthURL      string           `json:"authorization_endpoint"`
	TokenURL     string           `json:"token_endpoint"`
	AuthStyle    oauth2.AuthStyle `json:"auth_style"`
	Scopes       []string         `json:"scopes,omitempty"`
	Token        *oauth2.Token    `json:"token"`
}

// LoadCredentials reads the credentials stored at path; it returns
// nil and no error when there are none.
func LoadCredentials(path string) (*Credentials, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading MCP credentials: %w", err)
	}
	var c Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading MCP credentials %s: %w", path, err)
	}
	if c.Token == nil {
		return nil, nil
	}
	return &c, nil
}

// SaveCredentials writes c to path (mode 0600, its directory 0700),
// atomically.
func SaveCredentials(path string, c *Credentials) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("saving MCP credentials: %w", err)
	}
	if err := patch.WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving MCP credentials: %w", err)
	}
	return nil
}

// DeleteCredentials removes the credentials at path and says whether
// there were some.
func DeleteCredentials(path string) (bool, error) {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("removing MCP credentials: %w", err)
	}
	return true, nil
}

func (c *Credentials) oauthConfig() *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: c.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL, AuthStyle: c.AuthStyle},
	}
}

// storedAuth is the OAuth handler of a session's connection to an HTTP
// server: it sends the stored access token, refreshes it when it has
// expired or the server answers 401 (saving the new one), and turns a 401
// it cannot fix into a [LoginRequiredError]. It never starts a login: that
// takes a person, and a session must not wait for one.
type storedAuth struct {
	server, url, path string
	client            *http.Client

	mu      sync.Mutex
	creds   *Credentials // nil: not logged in
	loadErr error        // why the stored credentials could not be read
}

func newStoredAuth(cfg ServerConfig, client *http.Client) *storedAuth {
	a := &storedAuth{server: cfg.Name, url: cfg.URL, path: cfg.CredentialsFile, client: client}
	a.creds, a.loadErr = a.load()
	return a
}

// load reads the stored credentials, if they are for this server's URL.
func (a *storedAuth) load() (*Credentials, error) {
	c, err := LoadCredentials(a.path)
	if err != nil || c == nil || c.URL != a.url {
		return nil, err
	}
	return c, nil
}

// loggedIn says whether there are credentials for the server.
func (a *storedAuth) loggedIn() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.creds != nil
}

// TokenSource implements the SDK's auth.OAuthHandler.
func (a *storedAuth) TokenSource(context.Context) (oauth2.TokenSource, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds == nil {
		return nil, nil
	}
	return a, nil
}

// Token returns the access token, refreshed first when it has expired.
func (a *storedAuth) Token() (*oauth2.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds == nil {
		return nil, &LoginRequiredError{Server: a.server}
	}
	if a.creds.Token.Valid() {
		return a.creds.Token, nil
	}
	if err := a.refreshLocked(a.creds.Token); err != nil {
		return nil, err
	}
	return a.creds.Token, nil
}

// Authorize implements the SDK's auth.OAuthHandler: on a 401 it refreshes
// the token the request carried once, and otherwise fails with the fix.
func (a *storedAuth) Authorize(_ context.Context, req *http.Request, resp *http.Response) error {
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode == http.StatusForbidden {
		fix := "kodex mcp login " + a.server
		if cs, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate")); err == nil {
			for _, c := range cs {
				if c.Scheme == "bearer" && c.Params["error"] == "insufficient_scope" && c.Params["scope"] != "" {
					fix += " --scopes " + strings.Join(strings.Fields(c.Params["scope"]), ",")
				}
			}
		}
		return fmt.Errorf("MCP server %q refused the request (403 Forbidden); if it needs other scopes, run `%s`", a.server, fix)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds == nil {
		// Another process may have logged in since the session started.
		c, err := a.load()
		if err == nil && c != nil {
			a.creds = c
			return nil
		}
		if err == nil {
			err = a.loadErr
		}
		if err != nil {
			return &LoginRequiredError{Server: a.server, Reason: err.Error()}
		}
		return &LoginRequiredError{Server: a.server}
	}
	sent := req.Header.Get("Authorization")
	if sent != "Bearer "+a.creds.Token.AccessToken {
		return nil // refreshed meanwhile by another request: retry with the new one
	}
	return a.refreshLocked(a.creds.Token)
}

// refreshLocked replaces old with a token from the refresh grant and saves
// it. Another kodex may have refreshed (and rotated the refresh token)
// already: the file is read first.
func (a *storedAuth) refreshLocked(old *oauth2.Token) error {
	if c, err := a.load(); err == nil && c != nil && c.Token.AccessToken != old.AccessToken && c.Token.Valid() {
		a.creds = c
		return nil
	}
	if old.RefreshToken == "" {
		return &LoginRequiredError{Server: a.server, Reason: "the access token expired and there is no refresh token"}
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, a.client), refreshTimeout)
	defer cancel()
	expired := &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Unix(1, 0)}
	tok, err := a.creds.oauthConfig().TokenSource(ctx, expired).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode != "" {
			return &LoginRequiredError{Server: a.server, Reason: "refreshing the token: " + re.ErrorCode}
		}
		return fmt.Errorf("refreshing the OAuth token of MCP server %q: %w", a.server, err)
	}
	c := *a.creds
	c.Token = tok
	if err := SaveCredentials(a.path, &c); err != nil {
		return err
	}
	a.creds = &c
	return nil
}

// refreshTimeout bounds a token refresh.
const refreshTimeout = 30 * time.Second
