package session

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPrefixRulesFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	if got := loadPrefixRules(home, nil, log); got != nil {
		t.Errorf("no file: rules = %q, want none", got)
	}
	save := savePrefixRule(home)
	if err := save([]string{"git", "pull"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(home, "rules", "default.rules")
	// A hand-edited file whose last line has no newline, and a line kodex
	// does not apply.
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`prefix_rule(pattern=["rm"], decision="forbidden")`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := save([]string{"npm", "test"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "prefix_rule(pattern=[\"git\", \"pull\"], decision=\"allow\")\n" +
		"prefix_rule(pattern=[\"rm\"], decision=\"forbidden\")\n" +
		"prefix_rule(pattern=[\"npm\", \"test\"], decision=\"allow\")\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("rules file mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"git", "pull"}, {"npm", "test"}}, loadPrefixRules(home, nil, log)); diff != "" {
		t.Errorf("loaded rules mismatch (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		for path, mode := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Error(err)
				continue
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
			}
		}
	}
	for _, root := range []string{home, filepath.Join(home, "rules"), filepath.Dir(home)} {
		if got := loadPrefixRules(home, []string{t.TempDir(), root}, log); got != nil {
			t.Errorf("rules file inside the writable root %s: loaded %q, want none", root, got)
		}
	}
	if got := loadPrefixRules(home, []string{filepath.Join(home, "work")}, log); len(got) != 2 {
		t.Errorf("a writable root inside $KODEX_HOME but not above the rules: loaded %q, want both", got)
	}
	if savePrefixRule("") != nil || loadPrefixRules("", nil, log) != nil {
		t.Error("without a home directory, rules are neither loaded nor saved")
	}
}
