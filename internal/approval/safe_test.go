package approval

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsKnownSafe(t *testing.T) {
	t.Parallel()
	safe := []string{
		"ls", "ls -la /", "cat a.txt", "head -n 5 x", "tail -f log", "wc -l", "grep -rn foo .",
		"pwd", "echo hi", "true", "false", "nl x", "cut -d: -f1 /etc/passwd", "tr a-z A-Z",
		"which go", "whoami", "id", "stat x", "file x", "du -sh .", "df -h", "tree -L 2",
		"diff a b", "cmp a b", "cd sub", "uname -a", "printf %s x", "seq 3", "realpath .",
		"sort -n -r", "sort -k2,2 -t, x", "sort --reverse x",
		"uniq", "uniq x", "uniq -c x", "uniq -f 2 x", "uniq --skip-fields 2 x", "uniq -- x",
		"date", "date +%s", "date -u", "date -d yesterday +%F", "date --utc",
		"rg foo", "rg -n -i foo src", "rg --files", "rg -g *.go foo",
		"find . -name *.go", "find . -type f -print", "find / -maxdepth 1",
		"sed -n 1p x", "sed -n 5,10p x", "sed -n 5,$p", "sed -n $p a b",
		"git status", "git log --oneline -n 5", "git diff HEAD~1", "git show HEAD:x",
		"git rev-parse HEAD", "git ls-files", "git blame x", "git grep foo",
		"git -C sub status", "git --no-pager log", "git branch", "git branch -a -v",
		"git branch --list feat*", "git branch -l feat*", "git branch --contains HEAD",
		"git branch --sort=-committerdate", "git branch --show-current",
		"go version", "go version -m bin", "go env", "go env GOPATH", "go list ./...", "go list -json -deps .",
		"file -b x", "tree -a -d",
	}
	unsafe := []string{
		"", "rm -rf x", "bash", "python3 -c print(1)", "/bin/ls", "env", "xargs ls", "sudo ls",
		"sort -o out x", "sort -uo out x", "sort --output=out x", "sort --out=x", "sort --compress-program=sh",
		"uniq a b", "uniq -c a b", "uniq -- a b",
		"date -s 12:00", "date --set=x", "date --se=x", "date 0101000070", "date -us x",
		"rg --pre sh foo", "rg --pre=sh foo", "rg -z foo", "rg -iz foo", "rg --search-zip foo", "rg --hostname-bin=x foo",
		"find . -exec rm {} ;", "find . -execdir x", "find . -ok x", "find . -okdir x", "find . -delete",
		"find . -fprint f", "find . -fprint0 f", "find . -fprintf f %p", "find . -fls f",
		"sed -i s/a/b/ x", "sed s/a/b/ x", "sed -n 1w out x", "sed -n p x", "sed -n 1,p x", "sed -n 1p -i x", "sed -n ep x",
		"git", "git push", "git commit -m x", "git checkout x", "git -c core.pager=sh log",
		"git --git-dir=x status", "git -C", "git diff --output=x", "git log --output x", "git show --out=x",
		"git diff --ext-diff", "git grep -O foo", "git grep --open-files-in-pager=vim foo",
		"git branch new", "git branch -d old", "git branch -D old", "git branch -m a b", "git branch --set-upstream-to=x",
		"go", "go build", "go run .", "go test ./...", "go env -w GOFLAGS=x", "go env -u GOFLAGS",
		"go list -export .", "go list --toolexec=x .", "go list -compiled .",
		"file -C -m magic", "file --compile", "tree -o out", "tree -ao out", "tree -R",
	}
	for _, s := range safe {
		if !IsKnownSafe(strings.Fields(s)) {
			t.Errorf("IsKnownSafe(%q) = false, want true", s)
		}
	}
	for _, s := range unsafe {
		if IsKnownSafe(strings.Fields(s)) {
			t.Errorf("IsKnownSafe(%q) = true, want false", s)
		}
	}
}

func TestIsKnownSafeScripts(t *testing.T) {
	t.Parallel()
	safe := []string{
		"ls", "ls -la && pwd", "git status; git log -n 3", "cat x | grep foo | wc -l",
		"ls || echo none", "grep -rn 'foo bar' .", `grep -n "a \"b\"" x`, "ls;", "ls\npwd",
		"cd sub && ls", "rg -n 'fn main' src | head -n 20", "find . -name '*.go' | sort",
	}
	unsafe := []string{
		"", "rm -rf x", "ls && rm -rf x", "ls > out", "ls >> out", "cat < x", "ls 2>/dev/null",
		"ls &", "sleep 1 & ls", "(ls)", "{ ls; }", "echo $(rm x)", "echo `rm x`", "echo $HOME",
		`echo "$HOME"`, `echo "a\nb"`, "echo \\x", "ls *.go", "ls ?", "ls [ab]", "ls {a,b}",
		"ls ~", "ls # comment", "! ls", "FOO=1 ls", "ls |& cat", "ls ;; pwd", "&& ls", "ls &&",
		"ls |", "ls 'unterminated", `ls "unterminated`, "if true; then ls; fi", "for x in a; do ls; done",
		"bash -lc ls", "sort -o out x", "find . -delete", "ls\r", "a=b", "'for' x",
	}
	for _, s := range safe {
		for _, argv := range [][]string{{"bash", "-lc", s}, {"sh", "-c", s}, {"zsh", "-lc", s}} {
			if !IsKnownSafe(argv) {
				t.Errorf("IsKnownSafe(%q) = false, want true", argv)
			}
		}
	}
	for _, s := range unsafe {
		if IsKnownSafe([]string{"bash", "-lc", s}) {
			t.Errorf("IsKnownSafe(bash -lc %q) = true, want false", s)
		}
	}
	for _, argv := range [][]string{
		{"bash", "-x", "ls"}, {"bash", "-lc", "ls", "extra"}, {"fish", "-c", "ls"}, {"bash", "-lc"},
	} {
		if IsKnownSafe(argv) {
			t.Errorf("IsKnownSafe(%q) = true, want false", argv)
		}
	}
}

func TestParseScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		want   []ScriptCommand
	}{
		{"ls", []ScriptCommand{{Argv: []string{"ls"}}}},
		{"  ls  -la  ", []ScriptCommand{{Argv: []string{"ls", "-la"}}}},
		{"a&&b||c|d;e", []ScriptCommand{
			{Argv: []string{"a"}}, {Op: "&&", Argv: []string{"b"}}, {Op: "||", Argv: []string{"c"}},
			{Op: "|", Argv: []string{"d"}}, {Op: ";", Argv: []string{"e"}},
		}},
		{"echo 'a b'\"c d\"e", []ScriptCommand{{Argv: []string{"echo", "a bc de"}}}},
		{`echo "say \"hi\" \\"`, []ScriptCommand{{Argv: []string{"echo", `say "hi" \`}}}},
		{"echo ''", []ScriptCommand{{Argv: []string{"echo", ""}}}},
		{"echo 'it''s'", []ScriptCommand{{Argv: []string{"echo", "its"}}}},
		{"echo '$HOME `x` *'", []ScriptCommand{{Argv: []string{"echo", "$HOME `x` *"}}}},
		{"echo a#b", []ScriptCommand{{Argv: []string{"echo", "a#b"}}}},
		{"grep x=y f", []ScriptCommand{{Argv: []string{"grep", "x=y", "f"}}}},
		{"ls\n\npwd", nil}, // an empty command between newlines is rejected
		{"ls\npwd\n", []ScriptCommand{{Argv: []string{"ls"}}, {Op: ";", Argv: []string{"pwd"}}}},
		{"echo héllo", []ScriptCommand{{Argv: []string{"echo", "héllo"}}}},
	}
	for _, tt := range tests {
		got, err := ParseScript(tt.script)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseScript(%q) = %q, want an error", tt.script, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScript(%q): %v", tt.script, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseScript(%q) mismatch (-want +got):\n%s", tt.script, diff)
		}
	}
	if _, err := ParseScript("ls > x"); !errors.Is(err, ErrUnsupportedScript) {
		t.Errorf("ParseScript(ls > x) error = %v, want ErrUnsupportedScript", err)
	}
}

func FuzzParseScript(f *testing.F) {
	for _, s := range []string{"ls -la && pwd", `echo "a \"b\"" 'c'`, "a|b;c||d", "ls\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmds, err := ParseScript(s)
		if err != nil {
			return
		}
		for _, c := range cmds {
			if len(c.Argv) == 0 {
				t.Fatalf("ParseScript(%q) produced an empty command", s)
			}
		}
		_ = CanonicalKey([]string{"bash", "-lc", s})
	})
}

func TestSafeCommandNames(t *testing.T) {
	t.Parallel()
	names := SafeCommandNames()
	for _, want := range []string{"ls", "git", "sed", "rg", "find", "go"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("SafeCommandNames() lacks %q", want)
		}
	}
}
