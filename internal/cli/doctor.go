package cli

import (
	"fmt"
	"io"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/version"
)

// NewCmdDoctor builds `kodex doctor`: what kodex would run with here, and
// what is missing.
func NewCmdDoctor(f *Factory, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, the model provider and the sandbox",
		Long: `Check what kodex would run with in this directory: the configuration file,
the model provider and its API key, and the sandbox (mechanism, Landlock
ABI, namespaces, what is protected and what is degraded). Nothing is sent
over the network.`,
		Example: `  kodex doctor
  kodex -p work doctor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDoctor(f, g)
		},
	}
}

func runDoctor(f *Factory, g *GlobalOptions) error {
	w := f.IO.Out
	fmt.Fprintf(w, "%s\n\n", version.String())
	problems := 0
	cfg, cwd, err := loadConfig(f, g)
	section(w, "configuration")
	if err != nil {
		fmt.Fprintf(w, "  ✗ %v\n", err)
		return &silentError{&ConfigError{err}}
	}
	fmt.Fprintf(w, "  home:      %s\n  file:      %s\n  cwd:       %s\n", cfg.Home, cfg.UserFile, cwd)
	trust := cfg.Project.Trust
	if trust == "" {
		trust = "not decided (kodex asks on first interactive run)"
	}
	fmt.Fprintf(w, "  project:   %s (%s)\n", cfg.Project.Root, trust)
	fmt.Fprintf(w, "  approval:  %s, sandbox %s\n", cfg.ApprovalPolicy, cfg.SandboxMode)
	for _, warn := range cfg.Warnings {
		fmt.Fprintf(w, "  warning:   %v\n", warn)
	}
	fmt.Fprintln(w)

	section(w, "model provider")
	auth, err := config.ReadAuth(cfg.Home)
	if err != nil {
		problems++
		fmt.Fprintf(w, "  auth:      ✗ %v\n", err)
	}
	p := cfg.ResolveProvider(f.Getenv, auth)
	fmt.Fprintf(w, "  provider:  %s (%s, %s wire)\n  base URL:  %s\n  model:     %s\n", p.ID, p.Name, p.WireAPI, p.BaseURL, cfg.Model)
	switch {
	case p.APIKey != "" && auth != nil && p.KeyFrom == auth.Path:
		fmt.Fprintf(w, "  key:       ✓ stored in %s (%s)\n", p.KeyFrom, config.MaskKey(p.APIKey))
	case p.APIKey != "":
		fmt.Fprintf(w, "  key:       ✓ %s is set (%s)\n", p.KeyFrom, config.MaskKey(p.APIKey))
	case p.EnvKey == "" && !p.UsesOpenAIAuth():
		fmt.Fprintf(w, "  key:       none needed\n")
	case p.UsesOpenAIAuth():
		problems++
		name := p.EnvKey
		if name == "" {
			name = "KODEX_API_KEY"
		}
		fmt.Fprintf(w, "  key:       ✗ %s is not set and no key is stored: export it, put it in %s/.env, or run kodex login --with-api-key\n", name, cfg.Home)
	default:
		problems++
		fmt.Fprintf(w, "  key:       ✗ %s is not set: export it, or put it in %s/.env\n", p.EnvKey, cfg.Home)
	}
	fmt.Fprintln(w)

	section(w, "sandbox")
	self, err := f.Executable()
	if err != nil {
		return err
	}
	if err := sandbox.Explain(w, self); err != nil {
		problems++
		fmt.Fprintf(w, "  ✗ %v\n", err)
	}
	fmt.Fprintln(w)

	section(w, "tools on PATH")
	for _, tool := range []string{"git", "rg", "bash"} {
		if path, err := exec.LookPath(tool); err == nil {
			fmt.Fprintf(w, "  ✓ %-5s %s\n", tool, path)
		} else {
			fmt.Fprintf(w, "  - %-5s not found%s\n", tool, toolHint(tool))
		}
	}
	if problems > 0 {
		return &silentError{fmt.Errorf("%d problem(s) found", problems)}
	}
	return nil
}

func section(w io.Writer, name string) { fmt.Fprintf(w, "%s\n", name) }

func toolHint(tool string) string {
	if tool == "rg" {
		return " (optional: the model searches faster with ripgrep)"
	}
	if tool == "bash" && runtime.GOOS == "windows" {
		return " (commands run with the system shell)"
	}
	return ""
}
