package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestCodexImportHint(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	kodexHome := filepath.Join(home, ".kodex")
	env := map[string]string{"HOME": home}
	f := &Factory{Getenv: func(k string) string { return env[k] }}

	if got := codexImportHint(f); got != "" {
		t.Errorf("hint without ~/.codex = %q", got)
	}
	if err := os.MkdirAll(filepath.Join(home, ".codex"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".codex", "config.toml"), []byte("model = \"o3\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "Codex settings found in ~/.codex: run `kodex import codex` to bring them over"
	if got := codexImportHint(f); got != want {
		t.Errorf("first hint = %q, want %q", got, want)
	}
	if st, err := os.Stat(kodexHome); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
		t.Errorf("$KODEX_HOME after the hint: %v, %v; want a 0700 directory", st, err)
	}
	if got := codexImportHint(f); got != "" {
		t.Errorf("second hint = %q, want none (shown once)", got)
	}
	entries, err := os.ReadDir(kodexHome)
	if err != nil || len(entries) != 1 || entries[0].Name() != codexHintMarker {
		t.Errorf("$KODEX_HOME holds %v, %v; want only the marker (nothing imported)", entries, err)
	}

	// A kodex config of its own: no hint, even the first time.
	other := t.TempDir()
	env2 := map[string]string{"HOME": home, "KODEX_HOME": other}
	if err := os.WriteFile(filepath.Join(other, "config.toml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f2 := &Factory{Getenv: func(k string) string { return env2[k] }}
	if got := codexImportHint(f2); got != "" {
		t.Errorf("hint with a kodex config.toml = %q", got)
	}
}
