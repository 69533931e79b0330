package approval

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	anywhere := []string{
		"ls", "ls -la /", "cat a.txt", "cat /dev/tty", "head -n 5 x", "tail -f log", "wc -l", "grep -rn foo .",
		"pwd", "echo hi", "echo -n hi", "true", "false", "nl x", "cut -d: -f1 /etc/passwd", "tr a-z A-Z",
		"which go", "whoami", "id", "stat x", "file x", "du -sh .", "df -h", "tree -L 2",
		"diff a b", "cmp a b", "cd sub", "uname -a", "printf %s x", "printf -- -v x", "seq 3", "realpath .",
		"sort -n -r", "sort -k2,2 -t, x", "sort --reverse x",
		"uniq", "uniq x", "uniq -c x", "uniq -f 2 x", "uniq --skip-fields 2 x", "uniq -- x",
		"date", "date +%s", "date -u", "date -d yesterday +%F", "date --utc", "date -ud 2020-01-01",
		"date --date 2020-01-01 +%F", "date --date=x", "date -Iseconds", "date --iso-8601=ns", "date -R",
		"date -r file", "date --reference file", "date -- +%F",
		"rg foo", "rg -n -i foo src", "rg --files", "rg -g *.go foo", "rg --pretty foo",
		"find . -name *.go", "find . -type f -print", "find / -maxdepth 1",
		"sed -n 1p x", "sed -n 5,10p x", "sed -n 5,$p", "sed -n $p a b",
		"file -b x", "tree -a -d",
	}
	inSandbox := []string{
		"git status", "git log --oneline -n 5", "git log -p", "git diff HEAD~1", "git diff", "git show",
		"git show HEAD:x", "git rev-parse HEAD", "git ls-files", "git blame x", "git grep foo",
		"git -C sub status", "git -C bare log -p", "git --no-pager log", "git -P diff",
		"git --no-optional-locks status", "git branch", "git branch -a -v",
		"git branch --list feat*", "git branch -l feat*", "git branch --contains HEAD",
		"git branch --sort=-committerdate", "git branch --show-current", "git diff --no-textconv",
		"git diff --output-indicator-new=+", "git diff --no-ext-diff",
		"go version", "go version -m bin", "go env", "go env GOPATH", "go env -json GOPATH GOOS",
		"go list ./...", "go list -json -deps .", "go list -m all", "go list -mod=readonly ./...",
		"go list -mod vendor ./...", "go list -f {{.Dir}} .", "go list -json=Dir,Name .",
		"go list -e -test -find ./...", "go list -tags integration ./...", "go list --json .",
	}
	notSafe := []string{
		"", "rm -rf x", "bash", "python3 -c print(1)", "/bin/ls", "./ls", "/usr/bin/git status", "sudo ls",
		"sort -o out x", "sort -uo out x", "sort --output=out x", "sort --out=x",
		"uniq a b", "uniq -c a b", "uniq -- a b",
		"date -s 12:00", "date --set=x", "date --se=x", "date --s x", "date 0101000070", "date -us x",
		"date -u 0101000070", "date -- 0101000070", "date --debug 0101000070", "date --bogus",
		"date -x", "date -f %s 1700000000",
		"rg --pre sh foo", "rg --pre=sh foo", "rg -z foo", "rg -iz foo", "rg --search-zip foo", "rg --hostname-bin=x foo",
		"find . -exec rm {} ;", "find . -execdir x", "find . -ok x", "find . -okdir x", "find . -delete",
		"find . -fprint f", "find . -fprint0 f", "find . -fprintf f %p", "find . -fls f",
		"sed -i s/a/b/ x", "sed s/a/b/ x", "sed -n 1w out x", "sed -n p x", "sed -n 1,p x", "sed -n 1p -i x", "sed -n ep x",
		"git", "git push", "git commit -m x", "git checkout x", "git -C",
		"git diff --output=x", "git log --output x", "git show --out=x",
		"git grep -O foo", "git grep -iO foo", "git grep --open-files-in-pager=vim foo",
		"git branch new", "git branch -d old", "git branch -D old", "git branch -m a b", "git branch --set-upstream-to=x",
		"go", "go build", "go run .", "go test ./...", "go env -w GOFLAGS=x", "go env -u GOFLAGS", "go env --w=x",
		"go list -export .", "go list --toolexec=x .", "go list -compiled .", "go mod tidy", "go generate",
		"go version -x", "go list -- -mod=mod",
		"file -C -m magic", "file --compile", "tree -o out", "tree -ao out", "tree -R", "tree --output=x",
		"printf -v x %s y",
	}
	for _, tests := range []struct {
		want Safety
		cmds []string
	}{{SafeAnywhere, anywhere}, {SafeInSandbox, inSandbox}, {NotSafe, notSafe}} {
		for _, s := range tests.cmds {
			argv := strings.Fields(s)
			got, why := Classify(argv)
			if got != tests.want {
				t.Errorf("Classify(%q) = %v, want %v", s, got, tests.want)
			}
			if (why != "") != (got == SafeInSandbox) {
				t.Errorf("Classify(%q) = %v with reason %q: want a reason exactly for %v", s, got, why, SafeInSandbox)
			}
			if IsKnownSafe(argv) != (tests.want != NotSafe) {
				t.Errorf("IsKnownSafe(%q) = %v, want %v", s, !(tests.want != NotSafe), tests.want != NotSafe)
			}
		}
	}
}

// TestClassifyAttacks is a regression table of commands that were, or look
// like, known-safe but can run a program or write a file. repo marks those
// whose danger comes from what the repository contains: they may run in the
// sandbox, never outside it; the others are never safe.
func TestClassifyAttacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		argv []string
		repo bool
	}{
		// Repository configuration names the program: sandbox only.
		{"git show runs textconv", []string{"git", "show"}, true},
		{"git log -p runs textconv and diff drivers", []string{"git", "log", "-p"}, true},
		{"git diff runs diff.external", []string{"git", "diff"}, true},
		{"git status runs fsmonitor and clean filters", []string{"git", "status"}, true},
		{"git blame runs textconv", []string{"git", "blame", "x"}, true},
		{"git grep reads config", []string{"git", "grep", "x"}, true},
		{"a committed bare repo via -C", []string{"git", "-C", "evil.git", "log", "-p"}, true},
		{"go list obeys go.mod's toolchain", []string{"go", "list", "./..."}, true},
		{"go version obeys go.mod's toolchain", []string{"go", "version"}, true},
		{"go env obeys go.mod's toolchain", []string{"go", "env", "GOPATH"}, true},
		{"git inside a script", []string{"bash", "-lc", "ls && git show HEAD"}, true},
		// Never safe.
		{"git -c sets config", []string{"git", "-c", "core.pager=sh", "log"}, false},
		{"git -c glued", []string{"git", "-ccore.fsmonitor=x", "status"}, false},
		{"git --git-dir", []string{"git", "--git-dir=evil", "log"}, false},
		{"git --git-dir separate", []string{"git", "--git-dir", "evil", "log"}, false},
		{"git --work-tree", []string{"git", "--work-tree=x", "status"}, false},
		{"git --exec-path", []string{"git", "--exec-path=evil", "status"}, false},
		{"git --config-env", []string{"git", "--config-env=core.pager=EVIL", "log"}, false},
		{"git --namespace", []string{"git", "--namespace=x", "log"}, false},
		{"git -C then -c", []string{"git", "-C", "sub", "-c", "diff.external=sh", "diff"}, false},
		{"git diff --ext-diff", []string{"git", "diff", "--ext-diff"}, false},
		{"git show --ext-diff", []string{"git", "show", "--ext-diff"}, false},
		{"git log --ext-diff abbreviated", []string{"git", "log", "-p", "--ext"}, false},
		{"git diff --textconv", []string{"git", "diff", "--textconv"}, false},
		{"git log --textconv", []string{"git", "log", "-p", "--textconv"}, false},
		{"git grep --textconv", []string{"git", "grep", "--textconv", "x"}, false},
		{"git blame --textconv", []string{"git", "blame", "--textconv", "x"}, false},
		{"git diff --output writes", []string{"git", "diff", "--output=/tmp/x"}, false},
		{"git grep -O runs a pager", []string{"git", "grep", "-Ovim", "x"}, false},
		{"go list -mod=mod rewrites go.mod", []string{"go", "list", "-mod=mod", "./..."}, false},
		{"go list -mod mod", []string{"go", "list", "-mod", "mod", "./..."}, false},
		{"go list --mod=mod", []string{"go", "list", "--mod=mod", "./..."}, false},
		{"go list -modfile", []string{"go", "list", "-modfile=x.mod", "."}, false},
		{"go list -toolexec", []string{"go", "list", "-toolexec", "sh", "."}, false},
		{"go list -exec", []string{"go", "list", "-exec=sh", "."}, false},
		{"go list -overlay", []string{"go", "list", "-overlay=o.json", "."}, false},
		{"go list -pgo", []string{"go", "list", "-pgo=x", "."}, false},
		{"go list -export builds", []string{"go", "list", "-export", "."}, false},
		{"go list -compiled runs cgo", []string{"go", "list", "-compiled", "."}, false},
		{"go list -C", []string{"go", "list", "-C", "dir", "."}, false},
		{"go list -workfile", []string{"go", "list", "-workfile=x", "."}, false},
		{"go list flag after a pattern", []string{"go", "list", ".", "-toolexec=sh"}, false},
		{"go env -w writes", []string{"go", "env", "-w", "GOTOOLCHAIN=go1.99"}, false},
		{"rg --pre", []string{"rg", "--pre", "sh", "x"}, false},
		{"rg -z", []string{"rg", "-z", "x"}, false},
		{"find -exec", []string{"find", ".", "-exec", "sh", "{}", ";"}, false},
		{"find -fprint", []string{"find", ".", "-fprint", "out"}, false},
		{"sort --compress-program", []string{"sort", "--compress-program=sh", "x"}, false},
		{"sort --compress abbreviated", []string{"sort", "--compress=sh", "x"}, false},
		{"sort -T writes temp files", []string{"sort", "-T", "/etc", "x"}, false},
		{"sort -o", []string{"sort", "-o", "x", "x"}, false},
		{"tree -o", []string{"tree", "-o", "out"}, false},
		{"file -C", []string{"file", "-C", "-m", "m"}, false},
		{"date -s", []string{"date", "-s", "2000-01-01"}, false},
		{"date operand sets the clock", []string{"date", "010100002000"}, false},
		{"sed e command", []string{"sed", "-n", "1e", "x"}, false},
		{"sed w command", []string{"sed", "-n", "1w/tmp/x", "x"}, false},
		{"sed s///e", []string{"sed", "s/a/b/e", "x"}, false},
		{"printf -v PATH", []string{"bash", "-lc", "printf -v PATH . && ls"}, false},
		{"printf -vPATH", []string{"printf", "-vPATH", "."}, false},
		{"env runs a command", []string{"env", "ls"}, false},
		{"env -i", []string{"env", "-i", "ls"}, false},
		{"xargs", []string{"xargs", "rm"}, false},
		{"timeout", []string{"timeout", "5", "ls"}, false},
		{"nice", []string{"nice", "ls"}, false},
		{"nohup", []string{"nohup", "ls"}, false},
		{"command", []string{"command", "ls"}, false},
		{"exec", []string{"exec", "ls"}, false},
		{"less has shell escapes", []string{"less", "x"}, false},
		{"more has shell escapes", []string{"more", "x"}, false},
		{"man runs a pager", []string{"man", "ls"}, false},
		{"vi", []string{"vi", "x"}, false},
		{"awk system()", []string{"awk", "BEGIN{system(\"sh\")}"}, false},
		{"a path instead of a name", []string{"/tmp/evil/ls"}, false},
		{"a nested shell", []string{"bash", "-lc", "bash -c ls"}, false},
		{"env in a script", []string{"sh", "-c", "env ls"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := NotSafe
			if tt.repo {
				want = SafeInSandbox
			}
			if got, _ := Classify(tt.argv); got != want {
				t.Errorf("Classify(%q) = %v, want %v", tt.argv, got, want)
			}
		})
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

// TestClassifyScriptTiers: a script is as safe as its least safe command,
// and says why.
func TestClassifyScriptTiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		want   Safety
		why    string
	}{
		{"ls && cat x | wc -l", SafeAnywhere, ""},
		{"ls && git status", SafeInSandbox, ReasonGitOutsideSandbox},
		{"git status; go list ./...", SafeInSandbox, ReasonGitOutsideSandbox},
		{"go version && git log -n 1", SafeInSandbox, ReasonGoOutsideSandbox},
		{"cd sub && go env GOPATH", SafeInSandbox, ReasonGoOutsideSandbox},
		{"git status && rm x", NotSafe, ""},
		{"ls | git diff --ext-diff", NotSafe, ""},
		{"ls > out", NotSafe, ""},
	}
	for _, tt := range tests {
		got, why := Classify([]string{"bash", "-lc", tt.script})
		if got != tt.want || why != tt.why {
			t.Errorf("Classify(bash -lc %q) = %v, %q; want %v, %q", tt.script, got, why, tt.want, tt.why)
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
