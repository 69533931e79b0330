package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
)

// CodexFile is what kodex makes of one of Codex's configuration files
// (config.toml, or a NAME.config.toml profile file), for
// `kodex import codex`: the file itself is copied as it is, since kodex reads
// Codex's keys; this says what of it kodex will not use.
type CodexFile struct {
	// Ignored are the keys kodex accepts and ignores (Codex settings it
	// does not support) or does not know, each at its line, worded as the
	// warnings kodex prints when it loads the file.
	Ignored []*FieldError
	// Invalid holds the values kodex would refuse (errors.Join of
	// *FieldError), nil when there are none: the copied file stops kodex
	// until they are fixed.
	Invalid error
	// MCPServers names the [mcp_servers.NAME] tables, sorted.
	MCPServers []string
	// Profiles names the [profiles.NAME] tables, sorted.
	Profiles []string
}

// ReadCodexFile checks the configuration file at path as kodex would load
// it, alone (no other layer, no project). getenv reads HOME for "~/"
// paths; nil means os.Getenv. A missing or unreadable file is an error.
func ReadCodexFile(path string, getenv func(string) string) (*CodexFile, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	l := &loader{getenv: getenv, userHome: userHome(getenv), fields: map[reflect.Type][]fieldInfo{}}
	n := l.readFile(path, oFile)
	l.validate(n)
	return &CodexFile{
		Ignored:    l.unknown,
		Invalid:    l.err(),
		MCPServers: tableNames(n.get("mcp_servers")),
		Profiles:   tableNames(n.get("profiles")),
	}, nil
}

// tableNames are the keys of a table node whose values are tables, sorted.
func tableNames(n *node) []string {
	var names []string
	if n == nil || n.kind != kTable {
		return nil
	}
	for _, k := range n.keys {
		if v := n.tbl[k]; v != nil && v.kind == kTable {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}
