package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// Options are the inputs of Load.
type Options struct {
	Home      string         // $KODEX_HOME, resolved by the caller (see DefaultHome)
	Cwd       string         // absolute working directory
	Profile   string         // -p; overrides the profile key
	Overrides []string       // -c key=value, in command-line order (later wins)
	Flags     []FlagOverride // highest precedence
	// Strict is --strict-config: unknown keys are errors, not warnings.
	Strict bool
	// IgnoreUserFile is --ignore-user-config: $KODEX_HOME/config.toml is
	// not read (nor its profiles and project trust).
	IgnoreUserFile bool
	// OSS is --oss: model_provider becomes oss_provider and model
	// DefaultOSSModel, above profiles and below -c and flags.
	OSS bool
	// Getenv reads the environment (OPENAI_BASE_URL, HOME, TMPDIR); nil
	// means os.Getenv.
	Getenv func(string) string
}

// FlagOverride is a command-line flag that sets a configuration key, e.g.
// {Key: "model", Value: "o3", Flag: "--model"}. Value is a string, bool,
// int, int64, float64, []string or map[string]string.
type FlagOverride struct {
	Key   string
	Value any
	Flag  string
}

// builtinProviders are always present; [model_providers.ID] in a config
// file overrides them field by field.
const builtinProviders = `
[model_providers.openai]
name = "OpenAI"
base_url = "https://api.openai.com/v1"
env_key = "OPENAI_API_KEY"
env_key_instructions = "Create a key at https://platform.openai.com/api-keys"
wire_api = "responses"
requires_openai_auth = true

[model_providers.ollama]
name = "Ollama"
base_url = "http://localhost:11434/v1"
wire_api = "chat"

[model_providers.lmstudio]
name = "LM Studio"
base_url = "http://localhost:1234/v1"
wire_api = "chat"
`

// Load reads, merges and validates the configuration. From lowest to
// highest precedence: defaults, $KODEX_HOME/config.toml, the project's
// .kodex/config.toml (trusted projects only, restricted to what a project
// may set: see restrictProject), the active profile,
// --oss, -c overrides in order, flags. It touches the file system only to
// read those files and look for .git; it never uses the network.
//
// All problems found are returned together (errors.Join of *FieldError).
func Load(opts Options) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if opts.Home == "" {
		return nil, errors.New("config: no home directory")
	}
	if !filepath.IsAbs(opts.Cwd) {
		return nil, fmt.Errorf("config: working directory %q is not absolute", opts.Cwd)
	}
	l := &loader{opts: opts, getenv: getenv, cwd: filepath.Clean(opts.Cwd), userHome: userHome(getenv), fields: map[reflect.Type][]fieldInfo{}}
	l.userFile = filepath.Join(opts.Home, "config.toml")
	return l.load()
}

type loader struct {
	opts     Options
	getenv   func(string) string
	cwd      string
	userHome string
	userFile string
	errs     []error
	fields   map[reflect.Type][]fieldInfo // shared by the decoders
	// unknown are the unknown keys of every layer, once each.
	unknown []*FieldError
	// profileFromFile: the active profile is a NAME.config.toml file.
	profileFromFile bool
}

// profileFile reads $KODEX_HOME/NAME.config.toml for the profile the user's
// layers select when none of them defines [profiles.NAME] (Codex's profile
// files), or returns nil.
func (l *loader) profileFile(user *node) *node {
	name := l.opts.Profile
	if name == "" {
		if p := user.get("profile"); p != nil && p.kind == kString {
			name = p.str
		}
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || user.get("profiles").get(name) != nil {
		return nil
	}
	path := filepath.Join(l.opts.Home, name+".config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	n := l.readFile(path, oFile)
	l.profileFromFile = true
	return n
}

// mergedUser is the user's layers as one: config.toml, then a profile file.
func mergedUser(user, profile *node) *node {
	m := newTable(origin{})
	merge(m, user)
	merge(m, profile)
	return m
}

func (l *loader) load() (*Config, error) {
	user := newTable(origin{kind: oFile, name: l.userFile})
	if !l.opts.IgnoreUserFile {
		user = l.readFile(l.userFile, oFile)
	}
	var cli []*node // -c, then flags
	for _, o := range l.opts.Overrides {
		n, err := parseOverride(o)
		l.add(err)
		if n != nil {
			cli = append(cli, n)
		}
	}
	nOverrides := len(cli)
	flags := l.opts.Flags
	if l.opts.Profile != "" {
		flags = append([]FlagOverride{{Key: "profile", Value: l.opts.Profile, Flag: "--profile"}}, flags...)
	}
	for _, f := range flags {
		n, err := flagLayer(f)
		l.add(err)
		if n != nil {
			cli = append(cli, n)
		}
	}
	for _, n := range append([]*node{user}, cli...) {
		l.validate(n)
	}
	if err := l.err(); err != nil {
		return nil, err
	}

	// Trust comes from the user's own settings, never from the project.
	trustTree := newTable(origin{})
	for _, n := range append([]*node{user}, cli...) {
		merge(trustTree, n)
	}
	// Codex's profile files: -p NAME with no [profiles.NAME] table reads
	// $KODEX_HOME/NAME.config.toml, a whole user layer on top of config.toml.
	profileFile := l.profileFile(trustTree)
	if profileFile != nil {
		l.validate(profileFile)
		if err := l.err(); err != nil {
			return nil, err
		}
		merge(trustTree, profileFile)
		user = mergedUser(user, profileFile)
	}
	project := l.project(trustTree)
	var projects []*node
	var warnings []*FieldError
	for _, f := range project.Files {
		n := l.readProjectFile(f, project.Root)
		if n == nil {
			project.Files = nil // a dangling symlink
			continue
		}
		l.validate(n)
		if l.err() == nil {
			warnings = append(warnings, l.restrictProject(n, user)...)
		}
		projects = append(projects, n)
	}
	if err := l.err(); err != nil {
		return nil, err
	}

	// The profile and oss_provider may be set by any layer but a profile.
	pre := newTable(origin{})
	for _, n := range slices.Concat([]*node{user}, projects, cli) {
		merge(pre, n)
	}
	profileName, profile, err := l.profile(pre)
	if err != nil {
		return nil, err
	}

	layers := []*node{l.builtins(), l.env(), user}
	layers = append(layers, projects...)
	layers = append(layers, profile, l.oss(pre))
	layers = append(layers, cli[:nOverrides]...)
	layers = append(layers, cli[nOverrides:]...)
	merged := newTable(origin{})
	for _, n := range layers {
		if n != nil {
			openAIBaseURLAlias(n)
			merge(merged, n)
		}
	}

	// Unknown keys were said when each layer was validated; the merged
	// decode skips them without saying them again.
	warnings = append(l.unknown, warnings...)
	c := &Config{Home: l.opts.Home, Cwd: l.cwd, UserFile: l.userFile, Project: project, Warnings: warnings}
	d := &decoder{home: l.userHome, defaults: true, record: true, fields: l.fields}
	d.table(merged, reflect.ValueOf(c).Elem(), nil)
	l.errs = append(l.errs, d.errs...)
	if err := l.err(); err != nil {
		return nil, err
	}
	c.Profile = profileName
	l.finish(c, merged)
	if err := l.err(); err != nil {
		return nil, err
	}
	slices.SortFunc(d.settings, func(a, b Setting) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	c.settings = d.settings
	return c, nil
}

func (l *loader) add(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

func (l *loader) err() error {
	return errors.Join(l.errs...)
}

// readFile parses a config file; a missing file is an empty layer.
func (l *loader) readFile(path string, k originKind) *node {
	org := origin{kind: k, name: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newTable(org)
	}
	if err != nil {
		l.add(fmt.Errorf("reading config: %w", err))
		return newTable(org)
	}
	return l.parse(data, org)
}

// parse parses one layer's text; a syntax error is recorded and the layer
// is empty.
func (l *loader) parse(data []byte, org origin) *node {
	n, err := parseDocument(data, org)
	if err != nil {
		l.add(err)
		return newTable(org)
	}
	return n
}

// validate checks one layer on its own, so that every problem is reported
// at its own position even when a higher layer overrides it.
func (l *loader) validate(n *node) {
	d := &decoder{home: l.userHome, fields: l.fields, strict: l.opts.Strict}
	d.table(n, reflect.New(reflect.TypeFor[Config]()).Elem(), nil)
	l.errs = append(l.errs, d.errs...)
next:
	for _, w := range d.unknown {
		for _, seen := range l.unknown {
			if seen.Where == w.Where && seen.Key == w.Key {
				continue next
			}
		}
		l.unknown = append(l.unknown, w)
	}
}

func (l *loader) builtins() *node {
	n, err := parseDocument([]byte(builtinProviders), origin{kind: oDefault})
	if err != nil {
		panic("config: bad built-in providers: " + err.Error())
	}
	return n
}

// env is OPENAI_BASE_URL, which sits just above the defaults.
func (l *loader) env() *node {
	u := l.getenv("OPENAI_BASE_URL")
	if u == "" {
		return nil
	}
	org := origin{kind: oEnv, name: "OPENAI_BASE_URL"}
	return wrap([]string{"model_providers", "openai", "base_url"}, &node{kind: kString, str: u, org: org}, org)
}

// openAIBaseURLAlias makes a layer's openai_base_url also set
// model_providers.openai.base_url in that layer (and win over it).
func openAIBaseURLAlias(n *node) {
	u := n.get("openai_base_url")
	if u == nil {
		return
	}
	merge(n, wrap([]string{"model_providers", "openai", "base_url"}, u, u.org))
}

// profile picks the active profile and returns it as a layer whose values
// say they came through it.
func (l *loader) profile(pre *node) (string, *node, error) {
	p := pre.get("profile")
	if p == nil {
		return "", nil, nil
	}
	name, where := stringOf(p), p.org.where()
	profiles := pre.get("profiles")
	t := profiles.get(name)
	if t == nil && l.profileFromFile {
		return name, nil, nil // the file is already a layer
	}
	if t == nil {
		var have []string
		if profiles != nil {
			have = profiles.keys
		}
		msg := fmt.Sprintf("unknown profile %q", name)
		if s := suggest(name, have); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(have) > 0 {
			msg += fmt.Sprintf(" (have %s)", orList(sortedKeys(profiles.tbl)))
		} else {
			msg += " (no [profiles] are defined)"
		}
		return "", nil, &FieldError{Where: where, Key: "profile", Msg: msg}
	}
	layer := t.clone()
	layer.walk(func(n *node) { n.org.profile = name })
	return name, layer, nil
}

// oss is the --oss layer: the local provider and its default model.
func (l *loader) oss(pre *node) *node {
	if !l.opts.OSS {
		return nil
	}
	org := origin{kind: oFlag, name: "--oss"}
	provider := "ollama"
	if p := pre.get("oss_provider"); p != nil {
		provider = stringOf(p)
	}
	n := newTable(org)
	n.set("model_provider", &node{kind: kString, str: provider, org: org})
	n.set("model", &node{kind: kString, str: DefaultOSSModel, org: org})
	return n
}

// finish resolves the selected provider and checks what needs the merged
// view: provider ids, required fields, MCP transports.
func (l *loader) finish(c *Config, merged *node) {
	for id, p := range c.ModelProviders {
		p.ID = id
		if p.Name == "" {
			p.Name = id
		}
		c.ModelProviders[id] = p
		if p.BaseURL == "" {
			n := merged.lookup("model_providers", id)
			l.add(&FieldError{Where: n.org.where(), Key: "model_providers." + id, Msg: fmt.Sprintf("model provider %q has no base_url", id)})
		}
	}
	p, ok := c.ModelProviders[c.ModelProvider]
	if !ok {
		n := merged.get("model_provider")
		ids := sortedKeys(c.ModelProviders)
		msg := fmt.Sprintf("unknown model_provider %q (want %s)", c.ModelProvider, orList(ids))
		if s := suggest(c.ModelProvider, ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		l.add(&FieldError{Where: n.org.where(), Key: "model_provider", Msg: msg})
	}
	c.Provider = p
	for _, name := range sortedKeys(c.MCPServers) {
		l.checkMCPServer(name, c.MCPServers[name], merged.lookup("mcp_servers", name))
	}
}

// Transport keys of each kind of MCP server.
var (
	mcpStdioKeys = []string{"command", "args", "env", "env_vars", "cwd"}
	mcpHTTPKeys  = []string{"url", "bearer_token_env_var", "http_headers", "env_http_headers", "scopes", "oauth"}
)

// checkMCPServer reports a server with neither or both of command and url,
// and transport keys of the other kind ("url is not supported for stdio").
func (l *loader) checkMCPServer(name string, s MCPServer, n *node) {
	key := "mcp_servers." + name
	if (s.Command == "") == (s.URL == "") {
		l.add(&FieldError{Where: n.org.where(), Key: key, Msg: fmt.Sprintf("MCP server %q needs either command (stdio) or url (streamable HTTP)", name)})
		return
	}
	wrong, kind := mcpHTTPKeys, "stdio"
	if s.URL != "" {
		wrong, kind = mcpStdioKeys, "streamable HTTP"
	}
	for _, k := range wrong {
		if v := n.get(k); v != nil {
			l.add(&FieldError{Where: v.org.where(), Key: key + "." + k, Msg: fmt.Sprintf("%s is not supported for %s MCP servers (server %q)", k, kind, name)})
		}
	}
	if n.get("startup_timeout_sec") != nil && n.get("startup_timeout_ms") != nil {
		v := n.get("startup_timeout_ms")
		l.add(&FieldError{Where: v.org.where(), Key: key + ".startup_timeout_ms", Msg: "set startup_timeout_sec or startup_timeout_ms, not both"})
	}
}

// stringOf is a validated string value (see decoder.str).
func stringOf(n *node) string {
	if n.kind == kString {
		return n.str
	}
	return n.raw
}

// userHome is the user's home directory, for ~ in paths.
func userHome(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	if h := getenv("USERPROFILE"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// DefaultHome returns $KODEX_HOME, or ~/.kodex.
func DefaultHome(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if h := getenv("KODEX_HOME"); h != "" {
		return filepath.Abs(h)
	}
	h := userHome(getenv)
	if h == "" {
		return "", errors.New("finding home directory: set HOME or KODEX_HOME")
	}
	return filepath.Join(h, ".kodex"), nil
}
