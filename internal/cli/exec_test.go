package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// blockingReader fails the test if anything reads it: a terminal must never
// be read by exec.
type blockingReader struct{ t *testing.T }

func (r blockingReader) Read([]byte) (int, error) {
	r.t.Error("exec read from a terminal stdin")
	return 0, io.EOF
}

func TestReadPrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		stdin     string
		tty       bool
		want      string
		wantUsage bool
	}{
		{name: "argument", args: []string{"hi"}, tty: true, want: "hi"},
		{name: "no prompt on a terminal", tty: true, wantUsage: true},
		{name: "dash on a terminal", args: []string{"-"}, tty: true, wantUsage: true},
		{name: "piped stdin", stdin: "from stdin\n", want: "from stdin\n"},
		{name: "dash reads stdin", args: []string{"-"}, stdin: "piped", want: "piped"},
		{name: "argument plus stdin context", args: []string{"review"}, stdin: "diff\n", want: "review\n\n<stdin>\ndiff\n</stdin>"},
		{name: "argument plus empty stdin", args: []string{"review"}, stdin: "", want: "review"},
		{name: "empty stdin", stdin: "  \n", wantUsage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios := &IOStreams{In: strings.NewReader(tt.stdin), Out: io.Discard, ErrOut: io.Discard, StdinTTY: tt.tty}
			if tt.tty {
				ios.In = blockingReader{t}
			}
			opts := &ExecOptions{}
			err := readPrompt(ios, opts, tt.args)
			var usage *UsageError
			if got := errors.As(err, &usage); got != tt.wantUsage {
				t.Fatalf("readPrompt() error = %v, want usage error: %v", err, tt.wantUsage)
			}
			if tt.wantUsage {
				return
			}
			if diff := cmp.Diff(tt.want, opts.Prompt); diff != "" {
				t.Errorf("prompt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExecFlags checks that the flags Codex's TypeScript SDK passes parse,
// including exec flags given before the resume subcommand.
func TestExecFlags(t *testing.T) {
	t.Parallel()
	var got *ExecOptions
	f := NewFactory()
	f.IO = &IOStreams{In: strings.NewReader("the prompt"), Out: io.Discard, ErrOut: io.Discard}
	root, g := newRoot(f, func(_ context.Context, o *ExecOptions) error { got = o; return nil })
	root.SetArgs([]string{"exec", "--experimental-json", "--config", `openai_base_url="http://127.0.0.1:1/v1"`,
		"--model", "m1", "--sandbox", "read-only", "--cd", ".", "--add-dir", "/tmp/x", "--skip-git-repo-check",
		"--output-schema", "s.json", "--config", `approval_policy="never"`, "resume", "0199-thread", "--image", "a.png"})
	var out bytes.Buffer
	root.SetErr(&out)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("execute: %v (%s)", err, out.String())
	}
	if got == nil {
		t.Fatal("exec did not run")
	}
	want := []any{true, "0199-thread", true, "s.json", true, "the prompt"}
	gotV := []any{got.JSON, got.ResumeID, got.Resume, got.OutputSchemaFile, got.SkipGitRepoCheck, got.Prompt}
	if diff := cmp.Diff(want, gotV); diff != "" {
		t.Errorf("exec options mismatch (-want +got):\n%s", diff)
	}
	wantG := &GlobalOptions{Model: "m1", Sandbox: "read-only", Cd: ".", AddDirs: []string{"/tmp/x"}, Images: []string{"a.png"},
		Overrides: []string{`openai_base_url="http://127.0.0.1:1/v1"`, `approval_policy="never"`}}
	if diff := cmp.Diff(wantG, g); diff != "" {
		t.Errorf("global options mismatch (-want +got):\n%s", diff)
	}
}

// TestCodexFlagForms: Codex's spellings of the global flags parse: image
// lists separated by commas, --yolo, --strict-config.
func TestCodexFlagForms(t *testing.T) {
	t.Parallel()
	f := NewFactory()
	f.IO = &IOStreams{In: strings.NewReader("p"), Out: io.Discard, ErrOut: io.Discard}
	root, g := newRoot(f, func(context.Context, *ExecOptions) error { return nil })
	root.SetArgs([]string{"exec", "-i", "a.png,b.png", "--image", "c.png", "--yolo", "--strict-config", "hi"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := &GlobalOptions{Images: []string{"a.png", "b.png", "c.png"}, Yolo: true, StrictConfig: true}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("global options (-want +got):\n%s", diff)
	}
}
