package mcp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// LoginOptions configure [Login].
type LoginOptions struct {
	// Server is the HTTP server to log in to; its credentials are saved
	// to Server.CredentialsFile.
	Server ServerConfig
	// Scopes, when set, are requested instead of those the server names.
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

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the OAuth redirect: %w", err)
	}
	redirect := "http://127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port) + "/callback"
	results := make(chan callbackResult, 1)
	srv := &http.Server{Handler: callbackHandler(results), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)   //nolint:errcheck // ends with Close below
	defer srv.Close() //nolint:errcheck // the listener's close error says nothing

	var mu sync.Mutex
	saved := false
	var refused error // the browser came back without a code: do not ask again
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
			mu.Lock()
			err := refused
			mu.Unlock()
			if err != nil {
				return nil, err
			}
			if opts.ShowURL != nil {
				opts.ShowURL(args.URL)
			}
			select {
			case r := <-results:
				if r.err != nil {
					mu.Lock()
					refused = r.err
					mu.Unlock()
				}
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
	if len(opts.Scopes) > 0 {
		hcfg.ScopeFilter = func([]string) []string { return opts.Scopes }
	}
	h, err := auth.NewAuthorizationCodeHandler(hcfg)
	if err != nil {
		return err
	}
	t := &sdk.StreamableClientTransport{
		Endpoint: cfg.URL, HTTPClient: &http.Client{Transport: headerTransport{cfg.Headers}},
		OAuthHandler: h, MaxRetries: -1, DisableStandaloneSSE: true,
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "kodex", Version: opts.ClientVersion}, nil)
	cs, err := client.Connect(ctx, t, nil)
	mu.Lock()
	ok, why := saved, refused
	mu.Unlock()
	if err != nil {
		if why != nil {
			return why
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

type callbackResult struct {
	res *auth.AuthorizationResult
	err error
}

// callbackHandler receives the browser at the loopback redirect and hands
// the authorization response to the waiting login (once).
func callbackHandler(results chan<- callbackResult) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
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
		once.Do(func() { results <- res })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>kodex</title><p>%s</p>\n", html.EscapeString(page))
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
