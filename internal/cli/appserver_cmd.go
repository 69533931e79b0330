package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/frontend/appserver"
	"github.com/kodex-cli/kodex/internal/frontend/filesearch"
	"github.com/kodex-cli/kodex/internal/frontend/mcpserver"
	"github.com/kodex-cli/kodex/internal/gitx"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
	"github.com/kodex-cli/kodex/internal/version"
)

// AppServerOptions are the inputs of `kodex app-server`.
type AppServerOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
	Listen string
	// WSAuth, WSTokenFile and WSTokenSHA256: the capability token a
	// WebSocket client must present (Codex's flags).
	WSAuth        string
	WSTokenFile   string
	WSTokenSHA256 string
}

// NewCmdAppServer builds `kodex app-server`. runF, when set, replaces the
// real run (for tests of flag parsing).
func NewCmdAppServer(f *Factory, g *GlobalOptions, runF func(context.Context, *AppServerOptions) error) *cobra.Command {
	opts := &AppServerOptions{IO: f.IO, Global: g}
	cmd := &cobra.Command{
		Use:   "app-server",
		Short: "Serve kodex over JSON-RPC (Codex's app-server protocol) on stdio",
		Long: `Serve kodex to a program over JSON-RPC 2.0, one JSON message per line on
stdin and stdout, with the methods and notifications of Codex's app server
(v2) that kodex implements: initialize; thread/start, resume, fork, list,
read, archive, unarchive, delete, name/set, compact/start; turn/start,
turn/steer and turn/interrupt; model/list; config/read; fuzzyFileSearch;
mcpServerStatus/list. Approvals are asked of the client with
item/commandExecution/requestApproval and item/fileChange/requestApproval.
See docs/protocol.md.

One process holds many threads at once, sharing one model client. Unless a
flag, the config or thread/start says otherwise, commands run read-only with
approval "never", as for 'kodex exec'.`,
		Example: `  # Drive kodex from a program
  kodex app-server

  # As Codex's clients start it
  kodex app-server --listen stdio://

  # Several clients at once, on a unix socket (mode 0600)
  kodex app-server --listen unix://$HOME/.kodex/app.sock

  # Over WebSocket on loopback; clients send "Authorization: Bearer TOKEN"
  kodex app-server --listen ws://127.0.0.1:4500 --ws-auth capability-token --ws-token-file /path/to/token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, _, err := listenAddr(opts.Listen)
			if err != nil {
				return err
			}
			if kind == "ws" {
				if _, err := wsToken(opts); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAppServer(cmd.Context(), f, opts)
		},
	}
	cmd.AddCommand(newCmdAppServerGenerate(f, "generate-json-schema", appserver.SchemaFile, "Write the protocol's JSON Schema (Codex's v2 shapes kodex implements)"),
		newCmdAppServerGenerate(f, "generate-ts", appserver.TypeScriptFile, "Write the protocol's TypeScript types"))
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", "", "the `URL` to serve on: stdio:// (the default), unix://PATH or ws://127.0.0.1:PORT (several clients at once)")
	fl.StringVar(&opts.WSAuth, "ws-auth", "", "how WebSocket clients authenticate (`MODE`): capability-token, required with ws://")
	fl.StringVar(&opts.WSTokenFile, "ws-token-file", "", "the capability token: an absolute `PATH` to a file holding it")
	fl.StringVar(&opts.WSTokenSHA256, "ws-token-sha256", "", "the capability token as the `HEX` of its SHA-256")
	return cmd
}

// newCmdAppServerGenerate builds `kodex app-server generate-json-schema`
// and `generate-ts`: the generated file into --out.
func newCmdAppServerGenerate(f *Factory, use, file, short string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:     use + " --out DIR",
		Short:   short,
		Example: "  kodex app-server " + use + " --out ./protocol",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return &UsageError{Msg: use + " needs --out DIR"}
			}
			path, err := appserver.WriteGenerated(out, file)
			if err != nil {
				return fmt.Errorf("writing %s: %w", file, err)
			}
			_, err = fmt.Fprintln(f.IO.Out, path)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the `DIR` to write into (made if needed)")
	return cmd
}

func runAppServer(ctx context.Context, f *Factory, opts *AppServerOptions) error {
	// The server's runtime: its configuration is said now, not at the
	// first thread; its model client is shared by every thread.
	base, err := newRuntime(ctx, f, opts.Global, true)
	if err != nil {
		return err
	}
	b := &appBackend{f: f, g: opts.Global, base: base, store: &session.Store{Home: base.Home}}
	so := appserver.Options{Backend: b, Home: base.Home, Version: version.Version, Logger: f.Logger, Now: f.Now}
	kind, addr, _ := listenAddr(opts.Listen)
	switch kind {
	case "unix":
		ln, err := listenUnix(addr)
		if err != nil {
			return err
		}
		defer os.Remove(addr)
		fmt.Fprintf(f.IO.ErrOut, "kodex: app-server listening on unix://%s\n", addr)
		return appserver.ServeListener(ctx, ln, so)
	case "ws":
		digest, err := wsToken(opts)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listening on ws://%s: %w", addr, err)
		}
		fmt.Fprintf(f.IO.ErrOut, "kodex: app-server listening on ws://%s\n", ln.Addr())
		return appserver.ServeWebSocket(ctx, ln, digest, so)
	}
	return appserver.Serve(ctx, f.IO.In, f.IO.Out, so)
}

// listenAddr reads --listen: "" or stdio:// serve stdin and stdout;
// unix://PATH a socket at PATH; ws://HOST:PORT WebSocket on a loopback
// address (never another: the protocol runs commands).
func listenAddr(listen string) (kind, addr string, err error) {
	switch {
	case listen == "" || listen == "stdio://":
		return "stdio", "", nil
	case strings.HasPrefix(listen, "unix://") && len(listen) > len("unix://"):
		return "unix", strings.TrimPrefix(listen, "unix://"), nil
	case strings.HasPrefix(listen, "ws://"):
		hostport := strings.TrimSuffix(strings.TrimPrefix(listen, "ws://"), "/")
		host, _, err := net.SplitHostPort(hostport)
		if err != nil {
			return "", "", &UsageError{Msg: fmt.Sprintf("--listen %s: want ws://127.0.0.1:PORT (%v)", listen, err)}
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", "", &UsageError{Msg: fmt.Sprintf("--listen %s: kodex serves WebSocket on a loopback address only (127.0.0.1, ::1)", listen)}
		}
		return "ws", hostport, nil
	}
	return "", "", &UsageError{Msg: fmt.Sprintf("--listen %q: want stdio://, unix://PATH or ws://127.0.0.1:PORT", listen)}
}

// wsToken is the SHA-256 of the capability token WebSocket clients must
// present, from --ws-token-file or --ws-token-sha256.
func wsToken(opts *AppServerOptions) ([32]byte, error) {
	var digest [32]byte
	if opts.WSAuth != "capability-token" {
		return digest, &UsageError{Msg: "--listen ws:// needs --ws-auth capability-token with --ws-token-file PATH or --ws-token-sha256 HEX"}
	}
	switch {
	case (opts.WSTokenFile == "") == (opts.WSTokenSHA256 == ""):
		return digest, &UsageError{Msg: "--ws-auth capability-token needs exactly one of --ws-token-file and --ws-token-sha256"}
	case opts.WSTokenSHA256 != "":
		b, err := hex.DecodeString(opts.WSTokenSHA256)
		if err != nil || len(b) != len(digest) {
			return digest, &UsageError{Msg: "--ws-token-sha256: want the 64 hex digits of a SHA-256"}
		}
		copy(digest[:], b)
		return digest, nil
	}
	if !filepath.IsAbs(opts.WSTokenFile) {
		return digest, &UsageError{Msg: "--ws-token-file: want an absolute path"}
	}
	b, err := os.ReadFile(opts.WSTokenFile)
	if err != nil {
		return digest, fmt.Errorf("reading --ws-token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 {
		return digest, &UsageError{Msg: "--ws-token-file: the token is shorter than 16 characters; use a long random one"}
	}
	return sha256.Sum256([]byte(tok)), nil
}

// listenUnix listens on a unix socket only its owner may connect to. A
// socket left by an earlier server is replaced; any other file is not.
func listenUnix(path string) (net.Listener, error) {
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSocket == 0 {
			return nil, &UsageError{Msg: fmt.Sprintf("--listen unix://%s: the path exists and is not a socket", path)}
		}
		if c, err := net.Dial("unix", path); err == nil {
			_ = c.Close()
			return nil, fmt.Errorf("--listen unix://%s: another server is listening there", path)
		}
		_ = os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on unix://%s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("listening on unix://%s: %w", path, err)
	}
	return ln, nil
}

// appBackend implements the app server's Backend with internal/session.
type appBackend struct {
	f     *Factory
	g     *GlobalOptions
	base  *kodexRuntime
	store *session.Store
}

// Open opens a thread: the server's flags with the request's settings on
// top (as flags and -c overrides), loaded for the thread's cwd, sharing
// the server's model client unless the request changes the provider.
func (b *appBackend) Open(ctx context.Context, req appserver.OpenRequest) (appserver.Thread, error) {
	if req.ThreadID != "" && req.Cwd == "" {
		req.Cwd = recordedCwd(b.f, req.ThreadID)
	}
	g, err := mcpCallOptions(b.g, mcpserver.Params{
		Model: req.Model, Cwd: req.Cwd, Sandbox: string(req.Sandbox), ApprovalPolicy: string(req.Approval),
		Config: req.Config, DeveloperInstructions: req.DeveloperInstructions,
	})
	if err != nil {
		return nil, err
	}
	rt, err := derivedRuntime(b.f, g, b.base, req.Config)
	if err != nil {
		return nil, err
	}
	if req.BaseInstructions != "" {
		rt.Instructions = req.BaseInstructions
	}
	sess, err := rt.Open(ctx, session.Spec{
		Resume: req.ThreadID != "", Fork: req.Fork, ResumeID: req.ThreadID,
		Ephemeral: req.Ephemeral, Approvals: true, Forms: true, NotifyClient: "kodex_app_server",
	})
	if err != nil {
		return nil, err
	}
	created := b.f.Now()
	if req.ThreadID != "" && !req.Fork {
		if r, err := b.store.Read(sess.ID, false); err == nil && !r.Meta.Timestamp.IsZero() {
			created = r.Meta.Timestamp
		}
	}
	return &appThread{s: sess, provider: rt.Config.Provider.ID, effort: rt.Config.ReasoningEffort, created: created, store: b.store}, nil
}

func (b *appBackend) List(_ context.Context, req appserver.ListRequest) ([]appserver.ThreadInfo, string, error) {
	page, err := b.store.ListPage(req.Archived, req.Cwd, req.Limit, req.Cursor)
	if err != nil {
		return nil, "", err
	}
	names := b.store.Names()
	out := make([]appserver.ThreadInfo, 0, len(page.Sessions))
	for _, s := range page.Sessions {
		out = append(out, summaryInfo(s, names[s.ID]))
	}
	return out, page.Next, nil
}

func summaryInfo(s rollout.Summary, name string) appserver.ThreadInfo {
	return appserver.ThreadInfo{
		ID: s.ID, Preview: s.FirstPrompt, Name: name, Model: s.Model, Cwd: s.Cwd, Path: s.Path, ForkedFrom: s.ForkedFrom,
		Created: s.Created, Updated: s.Updated, CliVersion: version.Version,
	}
}

func (b *appBackend) Read(_ context.Context, id string, turns bool) (appserver.ThreadInfo, error) {
	r, err := b.store.Read(id, turns)
	if err != nil {
		return appserver.ThreadInfo{}, err
	}
	info := summaryInfo(r.Summary, b.store.Names()[r.Meta.ID])
	info.ID, info.Cwd, info.Path, info.Created = r.Meta.ID, r.Meta.Cwd, r.Path, r.Meta.Timestamp
	info.Model, info.Provider, info.ForkedFrom = r.Meta.Model, r.Meta.Provider, r.Meta.ForkedFrom
	if r.Meta.Version != "" {
		info.CliVersion = r.Meta.Version
	}
	if info.Updated.IsZero() {
		info.Updated = info.Created
	}
	info.Turns = turnRecords(r.Turns)
	return info, nil
}

func turnRecords(ts []session.Turn) []appserver.TurnRecord {
	out := make([]appserver.TurnRecord, 0, len(ts))
	for _, t := range ts {
		out = append(out, appserver.TurnRecord{User: t.User, Answers: t.Answers})
	}
	return out
}

func (b *appBackend) Archive(id string) error { return b.store.Archive(id) }

func (b *appBackend) Unarchive(id string) (appserver.ThreadInfo, error) {
	if _, err := b.store.Unarchive(id); err != nil {
		return appserver.ThreadInfo{}, err
	}
	return b.Read(context.Background(), id, false)
}

func (b *appBackend) Delete(id string) error { return b.store.Delete(id) }

func (b *appBackend) SetName(id, name string) error {
	if _, err := b.store.Read(id, false); err != nil {
		var nf *session.NotFoundError
		if errors.As(err, &nf) {
			return err
		}
	}
	return b.store.SetName(id, name)
}

func (b *appBackend) Models() []string { return models(b.base.Config) }

func (b *appBackend) Config() map[string]any {
	c := b.base.Config
	out := map[string]any{
		"model":           c.Model,
		"model_provider":  c.Provider.ID,
		"approval_policy": string(b.base.Approval),
		"sandbox_mode":    string(b.base.Sandbox.Mode),
	}
	if c.ReasoningEffort != "" {
		out["model_reasoning_effort"] = c.ReasoningEffort
	}
	if c.ContextWindow > 0 {
		out["model_context_window"] = c.ContextWindow
	}
	if c.DeveloperInstructions != "" {
		out["developer_instructions"] = c.DeveloperInstructions
	}
	return out
}

// Files lists the files under root, through git when root is in a
// repository (hardened, internal/gitx).
func (b *appBackend) Files(ctx context.Context, root string) []string {
	var git filesearch.Git
	if repo, err := gitx.Open(ctx, root); err == nil {
		git = repo.Run
	}
	return filesearch.List(ctx, root, git)
}

// MCPServers reports a loaded thread's MCP servers, or with th nil the
// configured ones, started (and stopped) to see their tools, as kodex mcp
// list does.
func (b *appBackend) MCPServers(ctx context.Context, th appserver.Thread) ([]appserver.MCPServer, error) {
	if t, ok := th.(*appThread); ok {
		return mcpServers(t.s.MCPServers()), nil
	}
	servers := session.MCPServers(b.base.Config, b.base.Cwd, b.f.Environ(), b.f.Getenv)
	if len(servers) == 0 {
		return nil, nil
	}
	m := mcp.Start(mcp.Options{Servers: servers, Roots: []string{b.base.Cwd}, ClientVersion: version.Version, Logger: b.f.Logger})
	defer m.Close()
	if err := m.Wait(ctx); err != nil {
		return nil, err
	}
	return mcpServers(m.Servers()), nil
}

// appAuthStatus is an MCP server's auth status as the app server spells it.
func appAuthStatus(status string) string {
	switch status {
	case mcp.AuthUnsupported:
		return "unsupported"
	case mcp.AuthNotLoggedIn:
		return "notLoggedIn"
	case mcp.AuthBearerToken:
		return "bearerToken"
	case mcp.AuthOAuth:
		return "oAuth"
	}
	return ""
}

func mcpServers(in []mcp.Server) []appserver.MCPServer {
	out := make([]appserver.MCPServer, 0, len(in))
	for _, s := range in {
		a := appserver.MCPServer{Name: s.Config.Name, State: s.State, HTTP: s.Config.URL != "", Error: s.Error, AuthStatus: appAuthStatus(s.Auth)}
		for _, t := range s.Tools {
			a.Tools = append(a.Tools, appserver.MCPTool{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema})
		}
		out = append(out, a)
	}
	return out
}

// appThread adapts a session to the app server's Thread.
type appThread struct {
	s        *session.Session
	provider string
	effort   string
	created  time.Time
	store    *session.Store
}

func (t *appThread) Submit(ctx context.Context, op protocol.Op) (string, error) {
	return t.s.Submit(ctx, op)
}

func (t *appThread) Events() <-chan protocol.Event { return t.s.Events() }

func (t *appThread) Close() { t.s.Close() }

func (t *appThread) Info() appserver.ThreadInfo {
	info := appserver.ThreadInfo{
		ID: t.s.ID, ForkedFrom: t.s.ForkedFrom, Ephemeral: t.s.Rec == nil, Model: t.s.Model, Provider: t.provider,
		Cwd: t.s.Cwd, Approval: t.s.Approval, Sandbox: t.s.Sandbox, ReasoningEffort: t.effort,
		Name: t.store.Names()[t.s.ID], Created: t.created, Updated: time.Now(), CliVersion: version.Version,
	}
	turns := session.Turns(t.s.RestoredHistory())
	if t.s.Rec != nil {
		info.Path = t.s.Rec.Path()
		// The whole conversation, also what a compaction took out of the
		// history.
		if recorded, err := session.TurnsOf(info.Path); err == nil {
			turns = recorded
		}
	}
	info.Turns = turnRecords(turns)
	for _, tr := range info.Turns {
		if len(tr.User) > 0 {
			info.Preview = tr.User[0]
			break
		}
	}
	return info
}
