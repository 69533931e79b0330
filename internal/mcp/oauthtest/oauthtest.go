// Package oauthtest is a local OAuth 2.1 authorization server and an MCP
// resource server it protects, for tests of kodex's MCP login: protected
// resource metadata (RFC 9728), authorization server metadata (RFC 8414),
// dynamic client registration (RFC 7591), the authorization code grant
// with PKCE (S256 only) that approves at once (a test plays the browser by
// GETting the authorization URL), refresh tokens that rotate, and
// revocation. Its MCP endpoint (/mcp) offers the tool "whoami", which
// answers with the user its bearer token was issued to.
//
// Test-only: never linked into the binary.
package oauthtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Options configure a Server.
type Options struct {
	// User is the subject tokens are issued to (default "alice").
	User string
	// ClientID, when set, is a client registered beforehand, with its
	// RedirectURI and (a confidential client) its ClientSecret, which the
	// token endpoint then requires (HTTP Basic or in the form).
	ClientID, ClientSecret, RedirectURI string
	// NoRegistration turns dynamic client registration off.
	NoRegistration bool
}

// Stats count what clients did.
type Stats struct {
	Registrations, Authorizations, CodeGrants, Refreshes int
	// Rejected counts MCP requests answered 401.
	Rejected int
	// MCPWithToken counts MCP requests that carried a valid token.
	MCPWithToken int
}

// Server is a running authorization and resource server. Close it.
type Server struct {
	*httptest.Server
	opts Options

	mu      sync.Mutex
	stats   Stats
	clients map[string][]string // client_id → redirect_uris
	codes   map[string]grant    // code → its grant
	access  map[string]time.Time
	refresh map[string]bool
}

type grant struct {
	clientID, redirect, challenge, resource string
}

// New starts a Server on 127.0.0.1.
func New(opts Options) *Server {
	if opts.User == "" {
		opts.User = "alice"
	}
	s := &Server{opts: opts, clients: map[string][]string{}, codes: map[string]grant{}, access: map[string]time.Time{}, refresh: map[string]bool{}}
	if opts.ClientID != "" {
		s.clients[opts.ClientID] = []string{opts.RedirectURI}
	}
	mux := http.NewServeMux()
	s.Server = httptest.NewServer(mux)
	base := s.URL
	prm := &oauthex.ProtectedResourceMetadata{Resource: base + "/mcp", AuthorizationServers: []string{base}, ScopesSupported: []string{"tools"}}
	mux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(prm))
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		meta := map[string]any{
			"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
			"registration_endpoint": base + "/register", "response_types_supported": []string{"code"},
			"grant_types_supported":            []string{"authorization_code", "refresh_token"},
			"code_challenge_methods_supported": []string{"S256"}, "scopes_supported": []string{"tools", "offline_access"},
			"token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic", "client_secret_post"},
		}
		if opts.NoRegistration {
			delete(meta, "registration_endpoint")
		}
		writeJSON(w, http.StatusOK, meta)
	})
	if !opts.NoRegistration {
		mux.HandleFunc("POST /register", s.register)
	}
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mcpServer := sdk.NewServer(&sdk.Implementation{Name: "oauthtest", Version: "1"}, nil)
	sdk.AddTool(mcpServer, &sdk.Tool{Name: "whoami", Description: "Says who the bearer token was issued to"},
		func(ctx context.Context, req *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, struct{}, error) {
			user := "nobody"
			if ti := auth.TokenInfoFromContext(ctx); ti != nil {
				user = ti.UserID
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "you are " + user}}}, struct{}{}, nil
		})
	mcpHandler := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return mcpServer }, nil)
	protect := auth.RequireBearerToken(s.verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: base + "/.well-known/oauth-protected-resource/mcp"})
	mux.Handle("/mcp", protect(mcpHandler))
	return s
}

// MCPURL is the protected MCP endpoint.
func (s *Server) MCPURL() string { return s.URL + "/mcp" }

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// RevokeAccess invalidates every access token issued so far (refresh
// tokens stay valid), so the next MCP request is answered 401.
func (s *Server) RevokeAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// RevokeAll invalidates every access and refresh token.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
	clear(s.refresh)
}

func (s *Server) verify(_ context.Context, tok string, _ *http.Request) (*auth.TokenInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[tok]
	if !ok || time.Now().After(exp) {
		s.stats.Rejected++
		return nil, fmt.Errorf("%w: unknown or expired token", auth.ErrInvalidToken)
	}
	s.stats.MCPWithToken++
	return &auth.TokenInfo{UserID: s.opts.User, Scopes: []string{"tools"}, Expiration: exp}, nil
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var meta oauthex.ClientRegistrationMetadata
	if err := json.NewDecoder(r.Body).Decode(&meta); err != nil || len(meta.RedirectURIs) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata"})
		return
	}
	for _, u := range meta.RedirectURIs {
		if p, err := url.Parse(u); err != nil || p.Scheme != "http" || p.Hostname() != "127.0.0.1" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_redirect_uri"})
			return
		}
	}
	id := "client-" + rand.Text()
	s.mu.Lock()
	s.clients[id] = meta.RedirectURIs
	s.stats.Registrations++
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id": id, "redirect_uris": meta.RedirectURIs, "token_endpoint_auth_method": "none",
		"grant_types": meta.GrantTypes, "response_types": []string{"code"}, "client_name": meta.ClientName,
	})
}

// authorize approves at once: it redirects to the client's redirect URI
// with a code, or with an error when the request is not a valid one.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	redirects, ok := s.clients[q.Get("client_id")]
	redirect := q.Get("redirect_uri")
	if !ok || !slices.Contains(redirects, redirect) {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		http.Redirect(w, r, redirect+"?"+params.Encode(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
	case q.Get("resource") != s.URL+"/mcp":
		back(url.Values{"error": {"invalid_target"}})
	default:
		code := "code-" + rand.Text()
		s.codes[code] = grant{clientID: q.Get("client_id"), redirect: redirect, challenge: q.Get("code_challenge"), resource: q.Get("resource")}
		s.stats.Authorizations++
		back(url.Values{"code": {code}})
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(code string) { writeJSON(w, http.StatusBadRequest, map[string]string{"error": code}) }
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if s.opts.ClientSecret != "" && clientID == s.opts.ClientID && secret != s.opts.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	const ttl = time.Hour
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok:
			fail("invalid_grant")
			return
		case g.clientID != clientID || g.redirect != r.PostForm.Get("redirect_uri"):
			fail("invalid_grant")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
			return
		}
		s.stats.CodeGrants++
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] {
			fail("invalid_grant")
			return
		}
		delete(s.refresh, rt) // rotation
		s.stats.Refreshes++
	default:
		fail("unsupported_grant_type")
		return
	}
	access, refresh := "at-"+rand.Text(), "rt-"+rand.Text()
	s.access[access] = time.Now().Add(ttl)
	s.refresh[refresh] = true
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(ttl / time.Second),
		"refresh_token": refresh, "scope": "tools",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Browse plays the browser: it GETs the authorization URL and follows the
// redirect back to the client's loopback address, and returns the error
// the page came back with, if any.
func Browse(ctx context.Context, authURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("browsing to the authorization URL: %s", resp.Status)
	}
	if !strings.HasPrefix(resp.Request.URL.String(), "http://127.0.0.1:") {
		return errors.New("the authorization server did not redirect back to the loopback address")
	}
	return nil
}

// RunLogin runs cmd, a `kodex mcp login`, copying its output to stdout,
// and plays the browser: it browses to the authorization URL the command
// prints. It returns the command's error, else the browser's.
func RunLogin(ctx context.Context, cmd *exec.Cmd, stdout io.Writer) error {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	browsed := make(chan error, 1)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(stdout, line)
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			go func() { browsed <- Browse(ctx, line) }()
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("kodex mcp login: %w", err)
	}
	select {
	case err := <-browsed:
		return err
	default:
		return errors.New("kodex mcp login printed no authorization URL")
	}
}
