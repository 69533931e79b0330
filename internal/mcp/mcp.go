// Package mcp owns kodex's side of the Model Context Protocol as a client:
// one connection per configured server (stdio or streamable HTTP, over the
// official Go SDK), started concurrently in the background when a session
// starts, with each server's state (starting, ready with N tools, failed with
// the tail of its stderr) reported as protocol events.
//
// It lists the servers' tools and resources and calls them; it does not
// decide whether a call may run (approvals are the tool layer's, see
// internal/tools/mcptool) and it never builds a server's environment or
// headers from the configuration: internal/cli hands it complete ones.
// A session without servers never touches this package.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// ServerConfig is one server to start, resolved by the caller.
type ServerConfig struct {
	Name string
	// stdio: Command and Args run in Cwd with exactly Env.
	Command string
	Args    []string
	Env     []string
	Cwd     string
	// streamable HTTP: URL, with Headers on every request.
	URL     string
	Headers map[string]string
	// CredentialsFile, for an HTTP server kodex may log in to (one
	// without an Authorization header), is where kodex mcp login keeps
	// its OAuth credentials (see [CredentialsPath]); they are sent and
	// refreshed from there.
	CredentialsFile string
	// OAuth configures kodex mcp login for this server.
	OAuth OAuthConfig
	// Required servers fail the session's start-up when they do not start.
	Required       bool
	StartupTimeout time.Duration
	ToolTimeout    time.Duration
	// EnabledTools, when not nil, lists the only tools offered;
	// DisabledTools are never offered.
	EnabledTools  []string
	DisabledTools []string
	// Err, when set, is why the server cannot start (a variable its
	// configuration names is not set); it is reported as its failure.
	Err error
}

// Options configure a Manager.
type Options struct {
	Servers []ServerConfig
	// Roots are the workspace roots (absolute directories) offered to servers.
	Roots []string
	// ClientVersion is kodex's version, sent in the initialize request.
	ClientVersion string
	// Elicit shows a server's form to the user and returns the answer (see
	// protocol.McpElicitationRequest); nil declines every form.
	Elicit func(ctx context.Context, req protocol.McpElicitationRequest) protocol.McpElicitationResponse
	Logger *slog.Logger
}

// Tool is one tool of a ready server.
type Tool struct {
	Server string
	// Name is the tool's name on its server.
	Name        string
	Title       string
	Description string
	// InputSchema is the server's schema as sent (JSON).
	InputSchema []byte
	// ReadOnly is the server's readOnlyHint annotation.
	ReadOnly bool
}

// Server is a snapshot of one server's state.
type Server struct {
	Config ServerConfig
	State  string // protocol.McpStarting, McpReady or McpFailed
	Tools  []Tool // ready: the tools offered (after enabled/disabled_tools)
	Error  string // failed: why
	Stderr string // failed: the tail of a stdio server's stderr
	// Auth is AuthUnsupported, AuthNotLoggedIn, AuthBearerToken or
	// AuthOAuth.
	Auth string
}

// Status is the server's state as a protocol event.
func (s Server) Status() protocol.McpServerStatus {
	st := protocol.McpServerStatus{Server: s.Config.Name, State: s.State, Tools: len(s.Tools), Required: s.Config.Required, Error: s.Error, Stderr: s.Stderr, Auth: s.Auth}
	for _, t := range s.Tools {
		st.ToolNames = append(st.ToolNames, t.Name)
	}
	return st
}

// Manager runs one session's MCP servers. Create it with Start; Close it
// when the session ends.
type Manager struct {
	log     *slog.Logger
	servers []*server // in configuration order

	mu       sync.Mutex
	watchers map[int]func(protocol.EventMsg)
	nextW    int

	// version counts the changes of the servers' tool lists after start-up
	// (tools/list_changed), so a cache of them knows when to rebuild.
	version atomic.Uint64
}

// Version changes whenever a ready server's tools change.
func (m *Manager) Version() uint64 { return m.version.Load() }

// server is one connection. Its fields after done is closed are read-only.
type server struct {
	cfg  ServerConfig
	done chan struct{} // closed when start-up has ended (ready or failed)

	mu      sync.Mutex
	state   string
	tools   []Tool
	err     string
	stderr  string
	session *sdk.ClientSession
	proc    *stdioProcess // stdio only
	auth    *storedAuth   // HTTP with a CredentialsFile only
	// needsLogin: the server answered 401 and kodex had no usable credentials.
	needsLogin bool

	progress sync.Map // progress token (string) → func(protocol.McpToolCallProgress)
}

// Start starts every server in the background and returns at once.
func Start(opts Options) *Manager {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{log: log, watchers: map[int]func(protocol.EventMsg){}}
	for _, cfg := range opts.Servers {
		s := &server{cfg: cfg, done: make(chan struct{}), state: protocol.McpStarting}
		m.servers = append(m.servers, s)
		go m.start(s, opts)
	}
	return m
}

// Watch calls emit with every server's "starting" and, for those that
// have started or failed already, their current state; then with each
// change until the returned stop is called. Calls to emit are serialized.
func (m *Manager) Watch(emit func(protocol.EventMsg)) (stop func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.servers {
		st := s.snapshot().Status()
		if st.State != protocol.McpStarting {
			emit(protocol.McpServerStatus{Server: st.Server, State: protocol.McpStarting, Required: st.Required})
		}
		emit(st)
	}
	id := m.nextW
	m.nextW++
	m.watchers[id] = emit
	return func() {
		m.mu.Lock()
		delete(m.watchers, id)
		m.mu.Unlock()
	}
}

// publish applies change to s and tells the watchers, atomically with
// respect to Watch, so each watcher sees each state once.
func (m *Manager) publish(s *server, change func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.mu.Lock()
	change()
	s.mu.Unlock()
	st := s.snapshot().Status()
	for _, w := range m.watchers {
		w(st)
	}
}

// Wait blocks until every server has ended its start-up (each is bounded by
// its start-up timeout) or ctx ends.
func (m *Manager) Wait(ctx context.Context) error {
	for _, s := range m.servers {
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Required waits for the required servers and returns an error naming each
// that failed, with its reason and stderr.
func (m *Manager) Required(ctx context.Context) error {
	var errs []error
	for _, s := range m.servers {
		if !s.cfg.Required {
			continue
		}
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if snap := s.snapshot(); snap.State == protocol.McpFailed {
			msg := fmt.Sprintf("required MCP server %q failed to start: %s", s.cfg.Name, snap.Error)
			if snap.Stderr != "" {
				msg += "\nits stderr ends with:\n" + snap.Stderr
			}
			errs = append(errs, errors.New(msg))
		}
	}
	return errors.Join(errs...)
}

// Servers returns a snapshot of every server, in configuration order.
func (m *Manager) Servers() []Server {
	out := make([]Server, len(m.servers))
	for i, s := range m.servers {
		out[i] = s.snapshot()
	}
	return out
}

func (s *server) snapshot() Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Server{Config: s.cfg, State: s.state, Tools: s.tools, Error: s.err, Stderr: s.stderr, Auth: s.authStatusLocked()}
}

// authStatusLocked is the server's auth status, as Codex reports it.
func (s *server) authStatusLocked() string {
	switch {
	case s.cfg.URL == "":
		return AuthUnsupported
	case hasAuthorization(s.cfg.Headers):
		return AuthBearerToken
	case s.auth != nil && s.auth.loggedIn():
		return AuthOAuth
	case s.needsLogin:
		return AuthNotLoggedIn
	}
	if s.cfg.CredentialsFile != "" && s.auth == nil {
		// not started (yet): stored credentials say enough
		if c, err := LoadCredentials(s.cfg.CredentialsFile); err == nil && c != nil && c.URL == s.cfg.URL {
			return AuthOAuth
		}
	}
	return AuthUnsupported
}

func hasAuthorization(h map[string]string) bool {
	for k := range h {
		if http.CanonicalHeaderKey(k) == "Authorization" {
			return true
		}
	}
	return false
}

// ErrUnknownServer is returned for a server that is not configured.
var ErrUnknownServer = errors.New("unknown MCP server")

// ready returns the session of a ready server, waiting for its start-up.
func (m *Manager) ready(ctx context.Context, name string) (*server, *sdk.ClientSession, error) {
	for _, s := range m.servers {
		if s.cfg.Name != name {
			continue
		}
		select {
		case <-s.done:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		snap := s.snapshot()
		if snap.State != protocol.McpReady {
			return nil, nil, fmt.Errorf("MCP server %q is not available: %s", name, snap.Error)
		}
		s.mu.Lock()
		cs := s.session
		s.mu.Unlock()
		return s, cs, nil
	}
	return nil, nil, fmt.Errorf("%w %q", ErrUnknownServer, name)
}

// Close ends every connection and waits (bounded) for stdio servers to
// exit. A nil Manager has nothing to close.
func (m *Manager) Close() {
	if m == nil {
		return
	}
	var wg sync.WaitGroup
	for _, s := range m.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-s.done
			s.mu.Lock()
			cs, p := s.session, s.proc
			s.mu.Unlock()
			if cs != nil {
				closeBounded(cs)
			}
			if p != nil {
				p.stop(exitGrace)
			}
		}()
	}
	wg.Wait()
}

// httpReconnects is how many times a streamable HTTP stream that broke
// off is resumed before the connection fails.
const httpReconnects = 2

// closeTimeout bounds how long closing a connection may take (an HTTP
// server is sent a DELETE; one that does not answer must not hold kodex).
const closeTimeout = 3 * time.Second

// closeBounded closes cs, giving up waiting after closeTimeout.
func closeBounded(cs *sdk.ClientSession) {
	done := make(chan struct{})
	go func() {
		_ = cs.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeTimeout):
	}
}

// start connects to s and lists its tools, within its start-up timeout.
func (m *Manager) start(s *server, opts Options) {
	defer close(s.done)
	timeout := s.cfg.StartupTimeout
	if timeout <= 0 {
		timeout = startupTimeoutDefault
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tools, err := m.connect(ctx, s, opts)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("did not start within %s (startup_timeout_sec): %w", timeout, err)
	}
	var stderr string
	var login *LoginRequiredError
	if errors.As(err, &login) {
		err = login // the fix, not the request it happened in
	}
	if err != nil {
		m.log.Warn("MCP server failed to start", "server", s.cfg.Name, "err", err)
		if p := s.getProc(); p != nil {
			if ctx.Err() == nil {
				stderr, err = p.failure(err)
			} else {
				stderr, _ = p.failure(err)
			}
			go p.stop(0)
		}
	}
	m.publish(s, func() {
		if err != nil {
			s.state, s.err, s.stderr = protocol.McpFailed, err.Error(), stderr
			s.needsLogin = login != nil
			if s.session != nil {
				go s.session.Close() //nolint:errcheck // the server failed; its close error says nothing new
				s.session = nil
			}
			return
		}
		s.state, s.tools = protocol.McpReady, tools
	})
}

func (s *server) getProc() *stdioProcess {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

func (m *Manager) connect(ctx context.Context, s *server, opts Options) ([]Tool, error) {
	if s.cfg.Err != nil {
		return nil, s.cfg.Err
	}
	var t sdk.Transport
	switch {
	case s.cfg.Command != "":
		p, err := startStdio(s.cfg)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.proc = p
		s.mu.Unlock()
		t = p.transport()
	case s.cfg.URL != "":
		if _, err := url.Parse(s.cfg.URL); err != nil {
			return nil, fmt.Errorf("bad url: %w", err)
		}
		hc := &http.Client{Transport: headerTransport{s.cfg.Headers}}
		// A stream the server ends is resumed (GET with Last-Event-ID,
		// after the server's retry delay: SEP-1699), a few times only, so a
		// server that went away fails the call instead of holding it.
		st := &sdk.StreamableClientTransport{Endpoint: s.cfg.URL, HTTPClient: hc, MaxRetries: httpReconnects}
		if s.cfg.CredentialsFile != "" && !hasAuthorization(s.cfg.Headers) {
			a := newStoredAuth(s.cfg, hc)
			s.mu.Lock()
			s.auth = a
			s.mu.Unlock()
			st.OAuthHandler = a
		}
		t = st
	default:
		return nil, errors.New("neither command nor url is set")
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "kodex", Version: opts.ClientVersion}, &sdk.ClientOptions{
		Logger:             m.log,
		ElicitationHandler: elicitationHandler(s.cfg.Name, opts.Elicit),
		// Not in the handler: it runs on the connection, which the listing needs.
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) { go m.refreshTools(s) },
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			tok, ok := req.Params.ProgressToken.(string)
			if !ok {
				return
			}
			if f, ok := s.progress.Load(tok); ok {
				f.(func(protocol.McpToolCallProgress))(protocol.McpToolCallProgress{CallID: tok, Progress: req.Params.Progress, Total: req.Params.Total, Message: req.Params.Message})
			}
		},
	})
	// Roots are deprecated from protocol 2026-07-28 on, but the servers
	// of today (server-filesystem) still ask for them.
	for _, r := range opts.Roots {
		client.AddRoots(&sdk.Root{URI: fileURI(r), Name: filepath.Base(r)}) //nolint:staticcheck // see above
	}
	cs, err := client.Connect(ctx, t, nil)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.session = cs
	s.mu.Unlock()
	return listTools(ctx, s.cfg, cs)
}

// listTools lists the server's tools that the configuration offers.
func listTools(ctx context.Context, cfg ServerConfig, cs *sdk.ClientSession) ([]Tool, error) {
	var tools []Tool
	if r := cs.InitializeResult(); r != nil && r.Capabilities != nil && r.Capabilities.Tools == nil {
		return nil, nil
	}
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing tools: %w", err)
		}
		if offered(cfg, t.Name) {
			tools = append(tools, toolOf(cfg.Name, t))
		}
	}
	return tools, nil
}

// refreshTools lists a server's tools again after it said they changed,
// and reports the new count.
func (m *Manager) refreshTools(s *server) {
	<-s.done
	s.mu.Lock()
	cs := s.session
	s.mu.Unlock()
	if cs == nil {
		return // failed, or closed
	}
	timeout := s.cfg.StartupTimeout
	if timeout <= 0 {
		timeout = startupTimeoutDefault
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tools, err := listTools(ctx, s.cfg, cs)
	if err != nil {
		m.log.Warn("listing changed MCP tools", "server", s.cfg.Name, "err", err)
		return
	}
	m.publish(s, func() {
		if s.state == protocol.McpReady {
			s.tools = tools
		}
	})
	m.version.Add(1)
}

// offered applies enabled_tools and disabled_tools.
func offered(cfg ServerConfig, name string) bool {
	if cfg.EnabledTools != nil && !slices.Contains(cfg.EnabledTools, name) {
		return false
	}
	return !slices.Contains(cfg.DisabledTools, name)
}

// fileURI turns an absolute path into a file:// URI.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if len(p) > 0 && p[0] != '/' {
		p = "/" + p // Windows: C:/x → /C:/x
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// headerTransport adds fixed headers to every request.
type headerTransport struct{ headers map[string]string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(h.headers) > 0 {
		r = r.Clone(r.Context())
		for k, v := range h.headers {
			r.Header.Set(k, v)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}
