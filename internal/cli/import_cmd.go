package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
)

// NewCmdImport builds `kodex import` and its one source, `kodex import codex`.
func NewCmdImport(f *Factory, g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import SOURCE",
		Short: "Bring another agent's settings over into $KODEX_HOME",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &UsageError{Msg: fmt.Sprintf("kodex import: unknown source %q (kodex imports from codex)", args[0])}
			}
			return &UsageError{Msg: "kodex import needs a source: kodex import codex"}
		},
	}
	var dryRun bool
	codex := &cobra.Command{
		Use:   "codex",
		Short: "Bring Codex's settings over from ~/.codex (or $CODEX_HOME)",
		Long: `Copy what kodex can use from Codex's home ($CODEX_HOME, default ~/.codex) into
$KODEX_HOME, never overwriting a file that is already there, and report what
was copied, translated, kept or left out:

  config.toml          copied as it is (kodex reads Codex's keys); the settings
                       kodex ignores are listed, and the MCP servers it holds
  NAME.config.toml     Codex's profile files, copied the same way (kodex -p NAME)
  AGENTS.md            your global instructions (and AGENTS.override.md)
  prompts/*.md         custom prompts, the same slash commands in kodex
  auth.json            an API key Codex stored is stored for kodex (0600);
                       ChatGPT sign-in tokens are left out

Codex's own state (sessions, history, logs, caches) is left out.`,
		Example: `  kodex import codex --dry-run    # see what would happen
  kodex import codex
  CODEX_HOME=/srv/codex kodex import codex`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportCodex(f, dryRun)
		},
	}
	codex.Flags().BoolVar(&dryRun, "dry-run", false, "print the report only; write nothing")
	cmd.AddCommand(codex)
	return cmd
}

// codexHome is $CODEX_HOME, else ~/.codex; "" when neither can be found.
func codexHome(f *Factory) string {
	if h := f.Getenv("CODEX_HOME"); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	for _, v := range []string{"HOME", "USERPROFILE"} {
		if h := f.Getenv(v); h != "" {
			return filepath.Join(h, ".codex")
		}
	}
	return ""
}

// importer copies from a Codex home into a kodex home and keeps the report.
type importer struct {
	from, to string
	dryRun   bool
	getenv   func(string) string
	steps    []importStep
	// handled are the names at the top of from that were looked at.
	handled map[string]bool
}

// importStep is one line of the report, with notes below it.
type importStep struct {
	verb, what string
	notes      []string
}

// Report verbs.
const (
	verbCopied     = "copied"
	verbTranslated = "translated"
	verbKept       = "kept"
	verbLeftOut    = "left out"
)

func runImportCodex(f *Factory, dryRun bool) error {
	from := codexHome(f)
	if from == "" {
		return &UsageError{Msg: "cannot find Codex's home: set CODEX_HOME or HOME"}
	}
	if st, err := os.Stat(from); err != nil || !st.IsDir() {
		return fmt.Errorf("no Codex home at %s (set CODEX_HOME to import from elsewhere)", from)
	}
	to, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	if samePath(from, to) {
		return &UsageError{Msg: fmt.Sprintf("Codex's home and $KODEX_HOME are the same directory (%s); nothing to import", from)}
	}
	im := &importer{from: from, to: to, dryRun: dryRun, getenv: f.Getenv, handled: map[string]bool{}}
	if err := im.run(); err != nil {
		return err
	}
	im.print(f.IO.Out)
	return nil
}

func (im *importer) run() error {
	if err := im.configFile("config.toml"); err != nil {
		return err
	}
	profiles, err := filepath.Glob(filepath.Join(im.from, "*.config.toml"))
	if err != nil {
		return fmt.Errorf("listing profile files: %w", err)
	}
	for _, p := range profiles {
		if name := filepath.Base(p); !strings.HasPrefix(name, ".") {
			if err := im.configFile(name); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"AGENTS.md", "AGENTS.override.md"} {
		if err := im.plainFile(name, name, "your global instructions"); err != nil {
			return err
		}
	}
	if err := im.prompts(); err != nil {
		return err
	}
	if err := im.auth(); err != nil {
		return err
	}
	return im.rest()
}

// configFile copies config.toml or a NAME.config.toml profile file and
// notes what kodex will not use of it.
func (im *importer) configFile(name string) error {
	src := filepath.Join(im.from, name)
	if !regular(src) {
		return nil
	}
	im.handled[name] = true
	what := name
	if p, ok := strings.CutSuffix(name, ".config.toml"); ok {
		what = fmt.Sprintf("%s (profile: kodex -p %s)", name, p)
	}
	verb, err := im.copyNew(src, filepath.Join(im.to, name), 0o600)
	if err != nil {
		return err
	}
	step := importStep{verb: verb, what: what}
	if verb == verbKept {
		step.notes = append(step.notes, fmt.Sprintf("%s exists and was not overwritten; compare it with %s", filepath.Join(im.to, name), src))
		im.steps = append(im.steps, step)
		return nil
	}
	cf, err := config.ReadCodexFile(src, im.getenv)
	if err != nil {
		return err
	}
	step.notes = codexFileNotes(cf)
	im.steps = append(im.steps, step)
	return nil
}

// codexFileNotes says what kodex makes of a copied Codex config file.
func codexFileNotes(cf *config.CodexFile) []string {
	var notes []string
	if len(cf.Ignored) > 0 {
		notes = append(notes, fmt.Sprintf("kodex ignores %d of its settings (warnings until you remove them):", len(cf.Ignored)))
		for _, e := range cf.Ignored {
			notes = append(notes, "  "+e.Error())
		}
	}
	if cf.Invalid != nil {
		notes = append(notes, "kodex refuses these values and will not start until they are fixed:")
		for _, line := range strings.Split(cf.Invalid.Error(), "\n") {
			notes = append(notes, "  "+line)
		}
	}
	if len(cf.Profiles) > 0 {
		notes = append(notes, "profiles: "+strings.Join(cf.Profiles, ", ")+" (kodex -p NAME)")
	}
	if len(cf.MCPServers) > 0 {
		notes = append(notes, "MCP servers: "+strings.Join(cf.MCPServers, ", ")+" (brought over in the file)")
	}
	return notes
}

// plainFile copies from/name to to/dst as it is.
func (im *importer) plainFile(name, dst, what string) error {
	src := filepath.Join(im.from, name)
	if !regular(src) {
		return nil
	}
	im.handled[strings.Split(filepath.ToSlash(name), "/")[0]] = true
	verb, err := im.copyNew(src, filepath.Join(im.to, dst), 0o644)
	if err != nil {
		return err
	}
	step := importStep{verb: verb, what: dst + " (" + what + ")"}
	if verb == verbKept {
		step.notes = []string{filepath.Join(im.to, dst) + " exists and was not overwritten"}
	}
	im.steps = append(im.steps, step)
	return nil
}

// prompts copies the custom prompts, prompts/*.md.
func (im *importer) prompts() error {
	entries, err := os.ReadDir(filepath.Join(im.from, "prompts"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading Codex's prompts: %w", err)
	}
	im.handled["prompts"] = true
	var other []string
	for _, e := range entries {
		rel := filepath.Join("prompts", e.Name())
		if !strings.HasSuffix(e.Name(), ".md") || !regular(filepath.Join(im.from, rel)) {
			other = append(other, filepath.ToSlash(rel))
			continue
		}
		what := "custom prompt /" + strings.TrimSuffix(e.Name(), ".md")
		if err := im.plainFile(rel, rel, what); err != nil {
			return err
		}
	}
	if len(other) > 0 {
		im.steps = append(im.steps, importStep{verb: verbLeftOut, what: strings.Join(other, ", "), notes: []string{"only prompts/*.md files are custom prompts"}})
	}
	return nil
}

// auth brings an API key Codex stored over, through kodex login's store.
func (im *importer) auth() error {
	a, err := config.ReadAuth(im.from)
	if err != nil || a == nil {
		if err != nil {
			im.handled[config.AuthFileName] = true
			im.steps = append(im.steps, importStep{verb: verbLeftOut, what: config.AuthFileName, notes: []string{err.Error()}})
		}
		return nil
	}
	im.handled[config.AuthFileName] = true
	if a.APIKey == "" || config.CheckAPIKey(a.APIKey) != nil {
		im.steps = append(im.steps, importStep{verb: verbLeftOut, what: config.AuthFileName,
			notes: []string{"it holds no API key (a ChatGPT sign-in: kodex has none); store a key with kodex login --with-api-key"}})
		return nil
	}
	what := fmt.Sprintf("%s: the API key %s, stored for kodex login (mode 0600)", config.AuthFileName, config.MaskKey(a.APIKey))
	mine, err := config.ReadAuth(im.to)
	if err != nil || mine != nil {
		im.steps = append(im.steps, importStep{verb: verbKept, what: what,
			notes: []string{config.AuthPath(im.to) + " exists and was not overwritten"}})
		return nil
	}
	if !im.dryRun {
		if _, err := config.WriteAuthKey(im.to, a.APIKey); err != nil {
			return err
		}
	}
	im.steps = append(im.steps, importStep{verb: verbTranslated, what: what})
	return nil
}

// rest reports what else is in Codex's home as left out.
func (im *importer) rest() error {
	entries, err := os.ReadDir(im.from)
	if err != nil {
		return fmt.Errorf("reading %s: %w", im.from, err)
	}
	var names []string
	for _, e := range entries {
		if !im.handled[e.Name()] {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) > 0 {
		im.steps = append(im.steps, importStep{verb: verbLeftOut, what: strings.Join(names, ", "),
			notes: []string{"Codex's own state (sessions, history, logs, caches) and files kodex does not read"}})
	}
	return nil
}

// copyNew copies src to dst unless dst exists (then verbKept), creating
// dst's directory (0700 for $KODEX_HOME itself). With dryRun it only looks.
func (im *importer) copyNew(src, dst string, perm fs.FileMode) (string, error) {
	if _, err := os.Lstat(dst); err == nil {
		return verbKept, nil
	}
	if im.dryRun {
		return verbCopied, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", src, err)
	}
	if err := os.MkdirAll(im.to, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", im.to, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", filepath.Dir(dst), err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return verbKept, nil // appeared meanwhile: still never overwritten
	}
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", dst, err)
	}
	_, err = out.Write(data)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", dst, err)
	}
	return verbCopied, nil
}

func regular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func (im *importer) print(w io.Writer) {
	if im.dryRun {
		fmt.Fprintf(w, "Dry run: nothing is written. Importing from %s into %s would do:\n", im.from, im.to)
	} else {
		fmt.Fprintf(w, "Imported from %s into %s:\n", im.from, im.to)
	}
	if len(im.steps) == 0 {
		fmt.Fprintln(w, "  nothing to import")
	}
	for _, s := range im.steps {
		verb := s.verb
		if im.dryRun && verb != verbLeftOut {
			verb = "would be " + verb
			if s.verb == verbKept {
				verb = verbKept
			}
		}
		fmt.Fprintf(w, "  %-20s %s\n", verb, s.what)
		for _, n := range s.notes {
			fmt.Fprintf(w, "  %-20s %s\n", "", n)
		}
	}
}

// codexHintMarker, in $KODEX_HOME, records that the hint to import Codex's
// settings was shown.
const codexHintMarker = ".codex-import-hint-shown"

// codexImportHint returns, once, a one-line hint to run kodex import codex:
// when $KODEX_HOME/config.toml does not exist and Codex's config.toml does.
// Showing it is remembered with a marker file in $KODEX_HOME; when that
// cannot be written, no hint is given (rather than one at every start). It
// never imports anything itself.
func codexImportHint(f *Factory) string {
	from := codexHome(f)
	to, err := config.DefaultHome(f.Getenv)
	if from == "" || err != nil || samePath(from, to) {
		return ""
	}
	if regular(filepath.Join(to, "config.toml")) || !regular(filepath.Join(from, "config.toml")) {
		return ""
	}
	marker := filepath.Join(to, codexHintMarker)
	if _, err := os.Lstat(marker); err == nil {
		return ""
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return ""
	}
	if err := os.WriteFile(marker, []byte("kodex showed the hint to run kodex import codex\n"), 0o600); err != nil {
		return ""
	}
	shown := from
	if h := f.Getenv("HOME"); h != "" && from == filepath.Join(h, ".codex") {
		shown = "~/.codex"
	}
	return fmt.Sprintf("Codex settings found in %s: run `kodex import codex` to bring them over", shown)
}
