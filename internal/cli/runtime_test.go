package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDerivedRuntimeSharesClient: the runtimes a server derives for its
// calls and threads share its model client, unless their settings choose
// another provider.
func TestDerivedRuntimeSharesClient(t *testing.T) {
	t.Parallel()
	fx := newPolicyFixture(t, "openai_base_url = \"http://127.0.0.1:9/v1\"\n")
	env := map[string]string{"KODEX_HOME": fx.home, "HOME": filepath.Dir(fx.home), "OPENAI_API_KEY": "sk-test"}
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Getenv:     func(k string) string { return env[k] },
		Setenv:     func(k, v string) error { env[k] = v; return nil },
		Environ:    func() []string { return nil },
		Executable: os.Executable,
		Getwd:      func() (string, error) { return fx.project, nil },
		Now:        time.Now,
		Logger:     slog.New(slog.DiscardHandler),
	}
	g := &GlobalOptions{}
	base, err := newRuntime(context.Background(), f, g, true)
	if err != nil {
		t.Fatal(err)
	}
	call := *g
	call.Model = "gpt-5.1"
	rt, err := derivedRuntime(f, &call, base, map[string]any{"model_verbosity": "low"})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Client != base.Client {
		t.Error("a call's runtime did not share the server's model client")
	}
	if rt.Config.Model != "gpt-5.1" {
		t.Errorf("the call's model %q, want gpt-5.1", rt.Config.Model)
	}
	other := *g
	other.Overrides = []string{`openai_base_url="http://127.0.0.1:10/v1"`}
	rt, err = derivedRuntime(f, &other, base, map[string]any{"openai_base_url": "http://127.0.0.1:10/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Client == base.Client {
		t.Error("a call that chose another endpoint shares the server's client")
	}
}
