package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// ValidMCPServerName reports whether name may name an MCP server (Codex's
// rule): letters, digits, '_' and '-'.
func ValidMCPServerName(name string) bool { return isBareKey(name) }

// NewMCPServer is what `kodex mcp add` writes: a stdio server (Command,
// Args, Env) or a streamable HTTP one (URL, BearerTokenEnvVar).
type NewMCPServer struct {
	Command           string
	Args              []string
	Env               map[string]string
	URL               string
	BearerTokenEnvVar string
}

// AddMCPServer appends an [mcp_servers.NAME] table to
// $KODEX_HOME/config.toml, keeping the rest of the file byte for byte. It
// fails if the file already defines the server. It returns the file's
// previous content (nil if there was none), so a caller that finds the
// result does not load can put it back with RestoreConfig.
func AddMCPServer(home, name string, s NewMCPServer) (old []byte, err error) {
	if !ValidMCPServerName(name) {
		return nil, fmt.Errorf("bad MCP server name %q (use letters, digits, '_' and '-')", name)
	}
	path := filepath.Join(home, "config.toml")
	data, err := readConfigText(path)
	if err != nil {
		return nil, err
	}
	blocks, _, err := mcpServerBlocks(data, name)
	if err != nil {
		return nil, err
	}
	if len(blocks) > 0 {
		return nil, fmt.Errorf("%s already defines MCP server %q; remove it first (kodex mcp remove %s)", path, name, name)
	}
	var sb strings.Builder
	sb.Write(data)
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		sb.WriteByte('\n')
	}
	if len(data) > 0 {
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "[mcp_servers.%s]\n", name)
	if s.URL != "" {
		fmt.Fprintf(&sb, "url = %s\n", quote(s.URL))
		if s.BearerTokenEnvVar != "" {
			fmt.Fprintf(&sb, "bearer_token_env_var = %s\n", quote(s.BearerTokenEnvVar))
		}
	} else {
		fmt.Fprintf(&sb, "command = %s\n", quote(s.Command))
		if len(s.Args) > 0 {
			quoted := make([]string, len(s.Args))
			for i, a := range s.Args {
				quoted[i] = quote(a)
			}
			fmt.Fprintf(&sb, "args = [%s]\n", strings.Join(quoted, ", "))
		}
		if len(s.Env) > 0 {
			keys := make([]string, 0, len(s.Env))
			for k := range s.Env {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			pairs := make([]string, len(keys))
			for i, k := range keys {
				pairs[i] = quoteKey(k) + " = " + quote(s.Env[k])
			}
			fmt.Fprintf(&sb, "env = { %s }\n", strings.Join(pairs, ", "))
		}
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", home, err)
	}
	return data, writeFileAtomic(path, []byte(sb.String()), 0)
}

// RemoveMCPServer deletes the [mcp_servers.NAME] table (and its
// sub-tables) from $KODEX_HOME/config.toml, keeping the rest of the file
// byte for byte. It reports whether there was one, and returns the file's
// previous content as AddMCPServer does.
func RemoveMCPServer(home, name string) (old []byte, found bool, err error) {
	path := filepath.Join(home, "config.toml")
	data, err := readConfigText(path)
	if err != nil {
		return nil, false, err
	}
	blocks, elsewhere, err := mcpServerBlocks(data, name)
	if err != nil {
		return nil, false, err
	}
	if elsewhere {
		return nil, false, fmt.Errorf("%s defines MCP server %q outside its own [mcp_servers.%s] table; remove it by hand", path, name, name)
	}
	if len(blocks) == 0 {
		return data, false, nil
	}
	out := make([]byte, 0, len(data))
	last := 0
	for _, b := range blocks {
		out = append(out, data[last:b[0]]...)
		last = b[1]
	}
	out = append(out, data[last:]...)
	return data, true, writeFileAtomic(path, out, 0)
}

// RestoreConfig puts back the content AddMCPServer or RemoveMCPServer
// returned.
func RestoreConfig(home string, data []byte) error {
	path := filepath.Join(home, "config.toml")
	if data == nil {
		return os.Remove(path)
	}
	return writeFileAtomic(path, data, 0)
}

func readConfigText(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if _, err := parseDocument(data, origin{kind: oFile, name: path}); err != nil {
		return nil, fmt.Errorf("not updating an invalid config: %w", err)
	}
	return data, nil
}

// mcpServerBlocks finds the byte ranges of the [mcp_servers.NAME] table and
// its sub-tables: each from the comments and blank lines just above its
// header (which belong to it) to those above the next table's header. elsewhere reports keys of the server outside those
// tables (a dotted key or an inline table).
func mcpServerBlocks(data []byte, name string) (blocks [][2]int, elsewhere bool, err error) {
	type header struct {
		start int
		ours  bool
	}
	var headers []header
	var table []string
	ours := func(path []string) bool {
		return len(path) >= 2 && path[0] == "mcp_servers" && path[1] == name
	}
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			it := e.Key()
			var parts []string
			start := -1
			for it.Next() {
				n := it.Node()
				if start < 0 {
					start = int(p.Range(n.Data).Offset)
				}
				parts = append(parts, string(n.Data))
			}
			table = parts
			headers = append(headers, header{start: lineStart(data, start), ours: ours(parts)})
		case unstable.KeyValue:
			full := slices.Concat(table, keyParts(e.Key()))
			if ours(full) && !ours(table) {
				elsewhere = true
			}
			if len(full) == 1 && full[0] == "mcp_servers" && e.Value().Kind == unstable.InlineTable {
				elsewhere = elsewhere || inlineHas(e.Value(), name)
			}
		default:
		}
	}
	if err := p.Error(); err != nil {
		return nil, false, err
	}
	for i, h := range headers {
		if !h.ours {
			continue
		}
		end := len(data)
		if i+1 < len(headers) {
			end = backOverComments(data, headers[i+1].start)
		}
		blocks = append(blocks, [2]int{backOverComments(data, h.start), end})
	}
	return blocks, elsewhere, nil
}

func inlineHas(v *unstable.Node, name string) bool {
	it := v.Children()
	for it.Next() {
		if kv := it.Node(); kv.Kind == unstable.KeyValue {
			if k := keyParts(kv.Key()); len(k) > 0 && k[0] == name {
				return true
			}
		}
	}
	return false
}

// lineStart is the offset of the start of the line holding offset.
func lineStart(data []byte, offset int) int {
	return bytes.LastIndexByte(data[:offset], '\n') + 1
}

// prevLineStart is the start of the line before the one starting at
// start, or -1.
func prevLineStart(data []byte, start int) int {
	if start == 0 {
		return -1
	}
	return lineStart(data, start-1)
}

// backOverComments moves a header's line start back over the comment and
// blank lines just above it.
func backOverComments(data []byte, start int) int {
	for {
		s := prevLineStart(data, start)
		if s < 0 {
			return start
		}
		line := bytes.TrimSpace(data[s:start])
		if len(line) > 0 && line[0] != '#' {
			return start
		}
		start = s
	}
}
