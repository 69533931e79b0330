package archtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const mod = "github.com/kodex-cli/kodex"

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Doc        string
	Name       string
	Imports    []string
	Deps       []string
	Standard   bool
}

// listPackages runs `go list -json` over the module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", mod+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	return pkgs
}

func internal(path string) string { return strings.TrimPrefix(path, mod+"/") }

// rule says which internal packages a package (by prefix) may depend on,
// directly or not. An empty allow list means: no internal imports at all.
type rule struct {
	pkg   string   // package path relative to the module, matched exactly or as a parent
	allow []string // internal package prefixes it may depend on
	// forbid lists external module prefixes it must not depend on.
	forbid []string
}

var charm = []string{"charm.land/", "github.com/charmbracelet/"}

var rules = []rule{
	{pkg: "internal/protocol", allow: nil},
	{pkg: "internal/jsonrpc", allow: nil},
	{pkg: "internal/sse", allow: nil},
	{pkg: "internal/patch", allow: nil},
	{pkg: "internal/model", allow: nil},
	{pkg: "internal/version", allow: nil},
	// testkit: helpers of the end-to-end tests under test/.
	{pkg: "internal/testkit", allow: nil},
	{pkg: "internal/model/openai", allow: []string{"internal/model", "internal/sse"}},
	{pkg: "internal/model/modeltest", allow: []string{"internal/model", "internal/sse"}},
	{pkg: "internal/approval", allow: []string{"internal/protocol"}},
	{pkg: "internal/proc", allow: nil},
	{pkg: "internal/events", allow: []string{"internal/protocol"}},
	{pkg: "internal/config", allow: []string{"internal/protocol"}},
	{pkg: "internal/policy", allow: []string{"internal/protocol"}},
	{pkg: "internal/sandbox", allow: []string{"internal/protocol", "internal/proc"}},
	// gitx runs every git command kodex runs itself; it stands alone so that
	// any package may use it.
	{pkg: "internal/gitx", allow: nil, forbid: append([]string{"github.com/spf13/cobra"}, charm...)},
	{pkg: "internal/rollout", allow: []string{"internal/protocol", "internal/model", "internal/gitx"}},
	// mcp holds the MCP client connections; the tools layer adapts them.
	{pkg: "internal/mcp", allow: []string{"internal/protocol", "internal/proc", "internal/patch"}, forbid: append([]string{"github.com/spf13/cobra"}, charm...)},
	{pkg: "internal/tools", allow: []string{"internal/tools", "internal/model", "internal/protocol", "internal/approval", "internal/sandbox", "internal/proc", "internal/patch", "internal/mcp"}, forbid: charm},
	// checkpoint keeps the workspace snapshots behind undo (through gitx).
	{pkg: "internal/checkpoint", allow: []string{"internal/gitx", "internal/protocol"}},
	{pkg: "internal/agent", allow: []string{"internal/agent", "internal/model", "internal/protocol", "internal/tools", "internal/events", "internal/rollout", "internal/gitx", "internal/checkpoint"}, forbid: append([]string{"github.com/spf13/cobra"}, charm...)},
	// session is the lifecycle every frontend shares (through internal/cli):
	// it builds the tools and the agent, and knows no frontend.
	{pkg: "internal/session", allow: []string{"internal/agent", "internal/model", "internal/protocol", "internal/tools", "internal/events", "internal/rollout", "internal/gitx", "internal/config", "internal/policy", "internal/mcp", "internal/sandbox", "internal/proc", "internal/patch", "internal/approval", "internal/version", "internal/sse", "internal/checkpoint"}, forbid: append([]string{"github.com/spf13/cobra"}, charm...)},
	{pkg: "internal/frontend", allow: []string{"internal/protocol", "internal/jsonrpc", "internal/frontend"}},
	// acp speaks the Agent Client Protocol; cli adapts sessions to it.
	{pkg: "internal/frontend/acp", allow: []string{"internal/protocol", "internal/jsonrpc"}},
	// termtext is shared by the frontends and knows none of them.
	{pkg: "internal/frontend/termtext", allow: nil},
}

// TestImportRules fails on any dependency edge DESIGN.md does not allow.
func TestImportRules(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		rel := internal(p.ImportPath)
		r, ok := ruleFor(rel)
		if !ok {
			continue
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, mod+"/") {
				d := internal(dep)
				if !allowed(d, r.allow) {
					t.Errorf("%s depends on %s, which the import rules forbid (allowed: %v)", rel, d, r.allow)
				}
				continue
			}
			for _, f := range r.forbid {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s: the core must not depend on %s", rel, dep, f)
				}
			}
		}
	}
}

// TestNothingImportsCLI keeps internal/cli the composition root.
func TestNothingImportsCLI(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		rel := internal(p.ImportPath)
		if rel == "cmd/kodex" || strings.HasPrefix(rel, "internal/cli") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, mod+"/internal/cli") {
				t.Errorf("%s imports %s; only cmd/kodex may", rel, imp)
			}
		}
	}
}

// TestPackageDocs requires a doc comment on every package.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no doc comment saying what it owns", internal(p.ImportPath))
		}
	}
}

// TestGitOnlyThroughGitx: kodex runs git itself only through internal/gitx,
// which hardens it against the repository. A call exec.Command("git", …) or
// exec.CommandContext(ctx, "git", …) anywhere else fails (tests may run git
// to build fixtures).
func TestGitOnlyThroughGitx(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	for _, p := range listPackages(t) {
		if internal(p.ImportPath) == "internal/gitx" {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && runsGit(call) {
					t.Errorf("%s runs git directly; use internal/gitx (hardened against the repository)", fset.Position(call.Pos()))
				}
				return true
			})
		}
	}
}

// runsGit reports whether call is exec.Command("git", …) or
// exec.CommandContext(ctx, "git", …).
func runsGit(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "exec" {
		return false
	}
	arg := -1
	switch sel.Sel.Name {
	case "Command":
		arg = 0
	case "CommandContext":
		arg = 1
	}
	if arg < 0 || len(call.Args) <= arg {
		return false
	}
	lit, ok := call.Args[arg].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	prog, err := strconv.Unquote(lit.Value)
	return err == nil && (prog == "git" || strings.HasSuffix(prog, "/git"))
}

// ruleFor returns the most specific rule for a package.
func ruleFor(rel string) (rule, bool) {
	best, found := rule{}, false
	for _, r := range rules {
		if (rel == r.pkg || strings.HasPrefix(rel, r.pkg+"/")) && len(r.pkg) > len(best.pkg) {
			best, found = r, true
		}
	}
	// A subpackage of a leaf rule (e.g. internal/model/modeltest) is covered
	// by its own rule if one exists; test-only helpers may use their parent.
	return best, found
}

func allowed(dep string, allow []string) bool {
	for _, a := range allow {
		if dep == a || strings.HasPrefix(dep, a+"/") {
			return true
		}
	}
	return false
}
