package cli

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/model"
)

// maxKeyInput bounds what `kodex login --with-api-key` reads from stdin.
const maxKeyInput = 64 << 10

// LoginOptions are the inputs of `kodex login`.
type LoginOptions struct {
	IO *IOStreams
	// WithAPIKey: read the key from stdin and store it.
	WithAPIKey bool
}

// NewCmdLogin builds `kodex login` and `kodex login status`.
func NewCmdLogin(f *Factory, g *GlobalOptions) *cobra.Command {
	opts := &LoginOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "login --with-api-key",
		Short: "Store an API key for OpenAI (read from stdin)",
		Long: `Store an API key in $KODEX_HOME/auth.json (mode 0600, the file shape Codex
uses), read from stdin so it never appears in the shell's history or the
process list.

The stored key is used for providers with requires_openai_auth = true (the
built-in openai provider has it) when the provider's env_key variable (for
openai: OPENAI_API_KEY), KODEX_API_KEY and CODEX_API_KEY are all unset: a
key in the environment always wins. Other providers read their key from
their env_key variable only.

kodex has no browser (ChatGPT) sign-in: it talks to the API with a key.`,
		Example: `  printenv OPENAI_API_KEY | kodex login --with-api-key
  kodex login --with-api-key < ~/secrets/openai-key
  kodex login status
  kodex logout`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogin(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.WithAPIKey, "with-api-key", false, "read the API key from stdin and store it")
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Say whether an API key is configured, and where from",
		Long: `Say which key the selected model provider would use and where it comes from:
an environment variable or $KODEX_HOME/auth.json. The key is shown masked.
The exit status is 3 when there is no key (as for a missing key elsewhere).`,
		Example: `  kodex login status
  kodex -c model_provider=azure login status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLoginStatus(f, g)
		},
	})
	return cmd
}

func runLogin(f *Factory, opts *LoginOptions) error {
	if !opts.WithAPIKey {
		return &UsageError{Msg: `kodex has no browser (ChatGPT) sign-in; it uses an API key.
Store one, read from stdin:
  printenv OPENAI_API_KEY | kodex login --with-api-key
or set OPENAI_API_KEY in your environment or in $KODEX_HOME/.env.`}
	}
	if opts.IO.StdinTTY || opts.IO.In == nil {
		return &UsageError{Msg: "--with-api-key reads the API key from stdin; pipe it in:\n  printenv OPENAI_API_KEY | kodex login --with-api-key"}
	}
	b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxKeyInput+1))
	if err != nil {
		return fmt.Errorf("reading the API key from stdin: %w", err)
	}
	if len(b) > maxKeyInput {
		return &UsageError{Msg: "--with-api-key: stdin is too long to be an API key"}
	}
	key := strings.TrimSpace(string(b))
	if err := config.CheckAPIKey(key); err != nil {
		return &UsageError{Msg: "--with-api-key: " + err.Error() + " (stdin should hold the key alone)"}
	}
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	path, err := config.WriteAuthKey(home, key)
	if err != nil {
		return fmt.Errorf("storing the API key: %w", err)
	}
	fmt.Fprintf(f.IO.Out, "Stored the API key %s in %s.\n", config.MaskKey(key), path)
	if v := f.Getenv("OPENAI_API_KEY"); v != "" && v != key {
		fmt.Fprintln(f.IO.Out, "Note: OPENAI_API_KEY is set in the environment and is used instead while it is.")
	}
	return nil
}

// runLoginStatus says which key the selected provider would use.
func runLoginStatus(f *Factory, g *GlobalOptions) error {
	cfg, _, err := loadConfig(f, g)
	if err != nil {
		return err
	}
	auth, err := config.ReadAuth(cfg.Home)
	if err != nil {
		return &ConfigError{err}
	}
	p := cfg.ResolveProvider(f.Getenv, auth)
	w := f.IO.Out
	switch {
	case p.APIKey != "":
		fmt.Fprintf(w, "Logged in with an API key for %s from %s: %s\n", p.ID, keySource(p.KeyFrom), config.MaskKey(p.APIKey))
		if auth != nil && auth.APIKey != "" && p.KeyFrom != auth.Path {
			fmt.Fprintf(w, "A key is also stored in %s; the environment wins while %s is set.\n", auth.Path, p.KeyFrom)
		}
		return nil
	case p.EnvKey == "" && !p.UsesOpenAIAuth():
		fmt.Fprintf(w, "Provider %s needs no API key.\n", p.ID)
		return nil
	}
	fmt.Fprintf(w, "Not logged in: %s\n", missingKeyHint(p, cfg.Home))
	return &silentError{&model.Error{Kind: model.ErrMissingKey, Message: "no API key"}}
}

// keySource words ResolvedProvider.KeyFrom: a variable or a file.
func keySource(from string) string {
	if strings.ContainsAny(from, `/\`) {
		return from
	}
	return "the environment variable " + from
}

// missingKeyHint says where p's key would be looked for and how to give one.
func missingKeyHint(p config.ResolvedProvider, home string) string {
	if !p.UsesOpenAIAuth() {
		return fmt.Sprintf("no API key for %s: set %s in your environment or in %s (kodex login stores a key for OpenAI's API only)",
			p.ID, p.EnvKey, filepath.Join(home, ".env"))
	}
	var where []string
	if p.EnvKey != "" {
		where = append(where, p.EnvKey)
	}
	where = append(where, "KODEX_API_KEY", "CODEX_API_KEY", config.AuthPath(home))
	return fmt.Sprintf("no API key for %s in %s; export %s=sk-…, or store one with: kodex login --with-api-key < keyfile",
		p.ID, strings.Join(where, ", "), cmp.Or(p.EnvKey, "OPENAI_API_KEY"))
}

// NewCmdLogout builds `kodex logout`.
func NewCmdLogout(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove the API key kodex login stored",
		Long: `Remove $KODEX_HOME/auth.json, where kodex login stores the API key. A key in
the environment (OPENAI_API_KEY, KODEX_API_KEY, CODEX_API_KEY, $KODEX_HOME/.env)
is not touched.`,
		Example: `  kodex logout`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogout(f)
		},
	}
}

func runLogout(f *Factory) error {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	removed, err := config.RemoveAuth(home)
	if err != nil {
		return err
	}
	w := f.IO.Out
	if removed {
		fmt.Fprintf(w, "Removed the stored API key (%s).\n", config.AuthPath(home))
	} else {
		fmt.Fprintf(w, "No API key was stored (%s does not exist).\n", config.AuthPath(home))
	}
	for _, n := range []string{"OPENAI_API_KEY", "KODEX_API_KEY", "CODEX_API_KEY"} {
		if f.Getenv(n) != "" {
			fmt.Fprintf(w, "%s is still set in the environment.\n", n)
		}
	}
	return nil
}
