package mcp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// OAuthConfig is how kodex mcp login logs in to a server.
type OAuthConfig struct {
	// Scopes, when set, are requested instead of those the server names.
	Scopes []string
	// ClientID, when set, is a client registered beforehand (with
	// ClientSecret for a confidential one); else kodex registers itself.
	ClientID, ClientSecret string
	// CallbackURL is the loopback redirect URI (with its port) to listen
	// on; default http://127.0.0.1:RANDOM/callback.
	CallbackURL string
}

// LoginOptions configure [Login].
type LoginOptions struct {
	// Server is the HTTP server to log in to; its credentials are saved
	// to Server.CredentialsFile.
	Server ServerConfig
	// Scopes, when set, are requested instead of Server.OAuth.Scopes or
	// those the server names.
	Scopes []string
	// ShowURL is given the authorization URL the person must open (print
	// it, open a browser); the login then waits for the browser to come
	// back to the loopback redirect.
	ShowURL       func(url string)
	ClientVersion string
	// Timeout bounds the whole login (default 10 minutes).
	Timeout time.Duration
}

// ErrNoLogin is returned by Login for a server that answered without
// asking for authorization.
var ErrNoLogin = errors.New("the server did not ask for authorization (no 401), so it needs no login")

// Login runs OAuth 2.1's authorization code flow with a server: it
// discovers the protected resource's and the authorization server's
// metadata (RFC 9728, RFC 8414 / OpenID Connect), registers kodex as a
// client (RFC 7591), sends the person to the authorization URL with PKCE
// (S256) and a loopback redirect on 127.0.0.1, exchanges the code and
// saves the credentials (0600). It then connects once with them.
func Login(ctx context.Context, opts LoginOptions) error {
	cfg := opts.Server
	if cfg.URL == "" {
		return errors.New("OAuth login is only supported for streamable HTTP servers (url)")
	}
	if cfg.CredentialsFile == "" {
		return errors.New("no place to store the credentials ($KODEX_HOME)")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	l, redirect, path, err := listenCallback(cfg.OAuth.CallbackURL)
	if err != nil {
		return err
	}
	results := make(chan callbackResult, 1)
	srv := &http.Server{Handler: callbackHandler(path, results), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l) //nolint:errcheck // ends with Shutdown below
	defer func() {
		// Let a page being written finish (bounded), then stop.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	var mu sync.Mutex
	saved := false
	hcfg := &auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs:            []string{redirect},
			ClientName:              "kodex",
			GrantTypes:              []string{"authorization_code", "refresh_token"},
			ResponseTypes:           []string{"code"},
			TokenEndpointAuthMethod: "none",
			SoftwareID:              "kodex",
			SoftwareVersion:         opts.ClientVersion,
		}},
		RedirectURL:           redirect,
		RequestRefreshToken:   true,
		AcceptUnadvertisedIss: true,
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			if opts.ShowURL != nil {
				opts.ShowURL(args.URL)
			}
			select {
			case r := <-results:
				return r.res, r.err
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for the browser to come back: %w", ctx.Err())
			}
		},
		NewTokenSource: func(ctx context.Context, oc *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
			c := &Credentials{
				URL: cfg.URL, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret,
				AuthURL: oc.Endpoint.AuthURL, TokenURL: oc.Endpoint.TokenURL, AuthStyle: oc.Endpoint.AuthStyle,
				Scopes: oc.Scopes, Token: tok,
			}
			if err := SaveCredentials(cfg.CredentialsFile, c); err != nil {
				return nil, err
			}
			mu.Lock()
			saved = true
			mu.Unlock()
			return &savingSource{base: oc.TokenSource(ctx, tok), creds: *c, path: cfg.CredentialsFile}, nil
		},
	}
	if cfg.OAuth.ClientID != "" {
		hcfg.DynamicClientRegistrationConfig = nil
		hcfg.PreregisteredClient = &oauthex.ClientCredentials{ClientID: cfg.OAuth.ClientID}
		if cfg.OAuth.ClientSecret != "" {
			hcfg.PreregisteredClient.ClientSecretAuth = &oauthex.ClientSecretAuth{ClientSecret: cfg.OAuth.ClientSecret}
		}
	}
	scopes := opts.Scopes
	if len(scopes) == 0 {
		scopes = cfg.OAuth.Scopes
	}
	if len(scopes) > 0 {
		hcfg.ScopeFilter = func([]string) []string { return scopes }
	}
	h, err := auth.NewAuthorizationCodeHandler(hcfg)
	if err != nil {
		return err
	}
	once := &authorizeOnce{h: h}
	t := &sdk.StreamableClientTransport{
		Endpoint: cfg.URL, HTTPClient: &http.Client{Transport: headerTransport{cfg.Headers}},
		OAuthHandler: once, MaxRetries: -1, DisableStandaloneSSE: true,
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "kodex", Version: opts.ClientVersion}, nil)
	cs, err := client.Connect(ctx, t, nil)
	mu.Lock()
	ok := saved
	mu.Unlock()
	if err != nil {
		if aerr := once.failed(); aerr != nil {
			return aerr
		}
		if ok {
			return fmt.Errorf("logged in, but connecting with the new token failed: %w", err)
		}
		return err
	}
	closeBounded(cs)
	if !ok {
		return ErrNoLogin
	}
	return nil
}

// authorizeOnce runs the authorization (the person in the browser) once
// per login: after it, another 401 fails with the first one's error
// instead of sending the person to the browser again.
type authorizeOnce struct {
	h    *auth.AuthorizationCodeHandler
	mu   sync.Mutex
	done bool
	err  error
}

func (o *authorizeOnce) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	return o.h.TokenSource(ctx)
}

func (o *authorizeOnce) Authorize(ctx context.Context, req *http.Request, resp *http.Response) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		resp.Body.Close()
		if o.err != nil {
			return o.err
		}
		return fmt.Errorf("the server refuses the new token (%s)", resp.Status)
	}
	o.done = true
	o.err = o.h.Authorize(ctx, req, resp)
	return o.err
}

func (o *authorizeOnce) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// listenCallback listens for the browser's redirect: on callback (a
// loopback http URL) or on a random port of 127.0.0.1.
func listenCallback(callback string) (l net.Listener, redirect, path string, err error) {
	addr, path := "127.0.0.1:0", "/callback"
	if callback != "" {
		u, err := url.Parse(callback)
		if err != nil || u.Scheme != "http" || u.Port() == "" || !loopback(u.Hostname()) {
			return nil, "", "", fmt.Errorf("oauth.callback_url %q: want a loopback http URL with a port (http://127.0.0.1:PORT/PATH)", callback)
		}
		addr, path = u.Host, u.Path
		if path == "" {
			path = "/"
		}
	}
	l, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, "", "", fmt.Errorf("listening for the OAuth redirect: %w", err)
	}
	if callback != "" {
		return l, callback, path, nil
	}
	return l, "http://127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port) + path, path, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type callbackResult struct {
	res *auth.AuthorizationResult
	err error
}

// callbackHandler receives the browser at the loopback redirect and hands
// the authorization response to the waiting login (once).
func callbackHandler(path string, results chan<- callbackResult) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		res := callbackResult{res: &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}}
		page := "Authentication complete. You may close this window."
		switch {
		case q.Get("error") != "":
			res = callbackResult{err: fmt.Errorf("the authorization server refused: %s", strings.TrimSpace(q.Get("error")+" "+q.Get("error_description")))}
			page = "Authorization failed: " + q.Get("error") + ". You may close this window."
		case q.Get("code") == "":
			res = callbackResult{err: errors.New("the authorization server sent no code")}
			page = "Authorization failed: no code. You may close this window."
		}
		// The page first, whole: once the result is sent, Login returns and
		// closes this server, which would cut a page still being written.
		body := fmt.Sprintf("<!doctype html><title>kodex</title><p>%s</p>\n", html.EscapeString(page))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = io.WriteString(w, body)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		once.Do(func() { results <- res })
	})
}

// savingSource saves the tokens its base refreshes: a refresh may rotate
// the refresh token, and the stored one must stay usable.
type savingSource struct {
	base  oauth2.TokenSource
	mu    sync.Mutex
	creds Credentials
	path  string
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	tok, err := s.base.Token()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok.AccessToken != s.creds.Token.AccessToken {
		s.creds.Token = tok
		if err := SaveCredentials(s.path, &s.creds); err != nil {
			return nil, err
		}
	}
	return tok, nil
}
