package policy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// notYetMigrated lists files outside internal/policy that still build a
// SandboxPolicy literal, each with the reason; the list only shrinks.
var notYetMigrated = map[string]string{}

// TestOnlyPolicyBuildsPolicies fails on a protocol.SandboxPolicy composite
// literal in non-test code outside this package: four places once built
// policies and disagreed on what an empty list of writable roots meant.
// Frontends send a mode; everything else calls Resolve.
func TestOnlyPolicyBuildsPolicies(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/policy" || d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && rel != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isSandboxPolicy(lit.Type, f.Name.Name) {
				return true
			}
			if _, ok := notYetMigrated[rel]; !ok {
				t.Errorf("%s: builds a SandboxPolicy; resolve a mode with policy.Resolve instead", fset.Position(lit.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func isSandboxPolicy(typ ast.Expr, pkg string) bool {
	switch x := typ.(type) {
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == "protocol" && x.Sel.Name == "SandboxPolicy"
	case *ast.Ident:
		return pkg == "protocol" && x.Name == "SandboxPolicy"
	}
	return false
}
