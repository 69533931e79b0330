package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// SetProjectTrust records `[projects."<projectPath>"] trust_level = level`
// in $KODEX_HOME/config.toml. The rest of the file is kept byte for byte: an
// existing trust_level is rewritten in place, else a table is appended. The
// file (and home) is created if needed and replaced atomically.
func SetProjectTrust(home, projectPath, level string) error {
	if level != Trusted && level != Untrusted {
		return fmt.Errorf("unknown trust level %q (want %s or %s)", level, Trusted, Untrusted)
	}
	if !filepath.IsAbs(projectPath) {
		return fmt.Errorf("project path %q is not absolute", projectPath)
	}
	projectPath = filepath.Clean(projectPath)
	path := filepath.Join(home, "config.toml")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading config: %w", err)
	}
	if _, err := parseDocument(data, origin{kind: oFile, name: path}); err != nil {
		return fmt.Errorf("not updating an invalid config: %w", err)
	}
	out, err := setTrust(data, projectPath, level)
	if err != nil {
		return fmt.Errorf("updating %s: %w", path, err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", home, err)
	}
	return writeFileAtomic(path, out, 0)
}

// setTrust edits the document text. It finds a trust_level for the project
// written as a [projects."p"] table key, a dotted key, or inside an inline
// table, and replaces its value; otherwise it appends a table.
func setTrust(data []byte, project, level string) ([]byte, error) {
	want := []string{"projects", project, "trust_level"}
	var table []string
	var p unstable.Parser
	p.Reset(data)
	inlineOnly := false
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e.Key())
			continue
		case unstable.KeyValue:
		default:
			continue
		}
		full := slices.Concat(table, keyParts(e.Key()))
		if r, ok := findValue(e.Value(), full, want); ok {
			return replaceRange(data, r, quote(level)), nil
		}
		if len(full) == 2 && full[0] == "projects" && filepath.Clean(full[1]) == project {
			inlineOnly = true // the project is an inline table with no trust_level
		}
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	if inlineOnly {
		return nil, fmt.Errorf("projects.%s is an inline table; add trust_level = %s to it by hand", quote(project), quote(level))
	}
	var sb strings.Builder
	sb.Write(data)
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		sb.WriteByte('\n')
	}
	if len(data) > 0 {
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "[projects.%s]\ntrust_level = %s\n", quote(project), quote(level))
	return []byte(sb.String()), nil
}

// findValue returns the range of the scalar at path want, given value v at
// key path have, looking into inline tables.
func findValue(v *unstable.Node, have, want []string) (unstable.Range, bool) {
	if len(have) > 1 && have[0] == "projects" && filepath.IsAbs(have[1]) {
		have = slices.Clone(have)
		have[1] = filepath.Clean(have[1])
	}
	if len(have) > len(want) || !slices.Equal(have, want[:len(have)]) {
		return unstable.Range{}, false
	}
	if len(have) == len(want) {
		return v.Raw, v.Kind != unstable.InlineTable && v.Kind != unstable.Array
	}
	if v.Kind != unstable.InlineTable {
		return unstable.Range{}, false
	}
	it := v.Children()
	for it.Next() {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		if r, ok := findValue(kv.Value(), slices.Concat(have, keyParts(kv.Key())), want); ok {
			return r, true
		}
	}
	return unstable.Range{}, false
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

func replaceRange(data []byte, r unstable.Range, s string) []byte {
	out := make([]byte, 0, len(data)+len(s))
	out = append(out, data[:r.Offset]...)
	out = append(out, s...)
	return append(out, data[r.Offset+r.Length:]...)
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory. The file gets perm, or when perm is 0 the old file's
// permissions (0600 for a new one). Errors name the file.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	if perm == 0 {
		perm = 0o600
		if st, err := os.Stat(path); err == nil {
			perm = st.Mode().Perm()
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
