package prompts

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"b.md":      "second",
		"a.MD":      "first",
		"notes.txt": "not a prompt",
		"bad.md":    "\xff\xfe",
		"meta.md":   "---\nname: ignored\ndescription: \"Quick review\"\nargument-hint: '[file] [priority]'\n---\nBody with $1 and $ARGUMENTS",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.md"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Prompt{
		{Name: "a", Path: filepath.Join(dir, "a.MD"), Body: "first"},
		{Name: "b", Path: filepath.Join(dir, "b.md"), Body: "second"},
		{Name: "meta", Path: filepath.Join(dir, "meta.md"), Description: "Quick review", ArgumentHint: "[file] [priority]", Body: "Body with $1 and $ARGUMENTS"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("prompts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "bad.md") + ": not UTF-8 text"}, skipped); diff != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadMissingDir(t *testing.T) {
	t.Parallel()
	got, skipped, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || got != nil || skipped != nil {
		t.Errorf("Load(missing) = %v, %v, %v; want nothing", got, skipped, err)
	}
}

func TestParseFrontMatter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		want          Prompt
	}{
		{"none", "just text\n", Prompt{Name: "p", Body: "just text\n"}},
		{"unterminated", "---\ndescription: x\nbody", Prompt{Name: "p", Body: "---\ndescription: x\nbody"}},
		{"crlf", "---\r\ndescription: d\r\n---\r\nbody", Prompt{Name: "p", Description: "d", Body: "body"}},
		{"underscore hint", "---\n# comment\nargument_hint: <x>\n---\n", Prompt{Name: "p", ArgumentHint: "<x>", Body: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Parse("p", tt.content)); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Prompt
		want string
	}{
		{Prompt{Description: "Review a PR", ArgumentHint: "[pr]"}, "Review a PR [pr]"},
		{Prompt{Body: "\n\n# Fix issue $1\nmore"}, "Fix issue $1"},
		{Prompt{}, ""},
	}
	for _, tt := range tests {
		if got := tt.p.Summary(); got != tt.want {
			t.Errorf("Summary(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, args, want string
	}{
		{"positional", "Review PR #$1 with priority $2 and assign to $3", "456 high alice", "Review PR #456 with priority high and assign to alice"},
		{"missing positional is empty", "a=$1 b=$2.", "x", "a=x b=."},
		{"arguments", "Fix issue #$ARGUMENTS now", "123 high-priority", "Fix issue #123 high-priority now"},
		{"quoted argument", "open $1 then $ARGUMENTS", `"docs/My File.md" 'x y'`, "open docs/My File.md then docs/My File.md x y"},
		{"no arguments", "plain $ARGUMENTS|", "", "plain |"},
		{"dollar dollar stays", "cost $$1 and $$ARGUMENTS and $5x", "a", "cost $$1 and $$ARGUMENTS and x"},
		{"lone dollar", "$ and $a and $", "", "$ and $a and $"},
		{"named", "Review $USER changes on $BRANCH", "USER=Alice BRANCH=main", "Review Alice changes on main"},
		{"named quoted", "Pair $USER with $BRANCH", `USER="Alice Smith" BRANCH=dev-main`, "Pair Alice Smith with dev-main"},
		{"named keeps escaped and positional", "$USER $$USER $1 $ARGUMENTS", "USER=u", "u $$USER $1 $ARGUMENTS"},
		{"named value with equals", "run $CMD", "CMD=a=b", "run a=b"},
		{"escaped name only", "literal $$USER", "", "literal $$USER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Prompt{Name: "p", Body: tt.body}.Expand(tt.args)
			if err != nil {
				t.Fatalf("Expand: %v", err)
			}
			if got != tt.want {
				t.Errorf("Expand(%q) = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	t.Parallel()
	p := Prompt{Name: "pr", Body: "Review $USER changes on $BRANCH by $USER"}
	_, err := p.Expand("USER=Alice")
	var missing *MissingArgsError
	if !errors.As(err, &missing) {
		t.Fatalf("Expand error = %v, want a MissingArgsError", err)
	}
	if diff := cmp.Diff(&MissingArgsError{Command: "/pr", Missing: []string{"BRANCH"}}, missing); diff != "" {
		t.Errorf("missing mismatch (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "missing required arguments for /pr: BRANCH (give them as NAME=value; quote values with spaces)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	for args, want := range map[string]string{
		"USER=a stray":   `could not parse the arguments of /pr: expected NAME=value but found "stray"; quote values with spaces`,
		"=x":             `could not parse the arguments of /pr: expected a name before '=' in "=x"`,
		`USER="unclosed`: "could not parse the arguments of /pr: unterminated double quote",
	} {
		var ae *ArgsError
		if _, err := p.Expand(args); !errors.As(err, &ae) || err.Error() != want {
			t.Errorf("Expand(%q) error = %v, want %q", args, err, want)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	got := Prompt{Body: "$B $A $B $ARGUMENTS $$C $1 $D_2x"}.Names()
	if diff := cmp.Diff([]string{"B", "A", "D_2"}, got); diff != "" {
		t.Errorf("Names mismatch (-want +got):\n%s", diff)
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  a  b\tc ", []string{"a", "b", "c"}},
		{`"a b" 'c d' e\ f`, []string{"a b", "c d", "e f"}},
		{`"say \"hi\" \n" ''`, []string{`say "hi" \n`, ""}},
		{`k="v w"x`, []string{"k=v wx"}},
	}
	for _, tt := range tests {
		got, err := Split(tt.in)
		if err != nil {
			t.Errorf("Split(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Split(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	if _, err := Split("'open"); err == nil {
		t.Error("Split of an unterminated quote: no error")
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("Review $1 $ARGUMENTS $$ $USER", `a "b c" USER=x`)
	f.Fuzz(func(t *testing.T, body, args string) {
		_, _ = Prompt{Name: "p", Body: body}.Expand(args)
	})
}
