package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestSandboxOverhead prints the median wall time of `true` run directly and
// through the sandbox at each level (the helper is this test binary, as
// `kodex sandbox -- true` re-executes kodex, or the kodex binary when this
// one is built with the race detector). Set KODEX_BENCH_RUNS (default
// 50); skipped in -short mode.
func TestSandboxOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark")
	}
	runs := 50
	if n, err := strconv.Atoi(os.Getenv("KODEX_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	self := suiteHelper(t) // the static kodex binary when this one is race-instrumented
	ws := t.TempDir()
	median := func(mk func() *exec.Cmd) time.Duration {
		var ds []time.Duration
		for range runs {
			cmd := mk()
			start := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v", cmd.Args, err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	truePath, _ := exec.LookPath("true")
	base := median(func() *exec.Cmd { return exec.Command(truePath) })
	t.Logf("%-45s median %8v", "true (direct)", base)
	for _, mode := range []protocol.SandboxMode{protocol.SandboxReadOnly, protocol.SandboxWorkspaceWrite} {
		for _, nons := range []bool{false, true} {
			var mech string
			d := median(func() *exec.Cmd {
				cmd, info, err := Command(context.Background(), Request{Argv: []string{"true"}, Cwd: ws,
					Env: FilterEnv(os.Environ()), Policy: testPolicy(mode, ws), Self: self, NoNamespaces: nons})
				if err != nil {
					t.Fatal(err)
				}
				mech = info.Mechanism
				return cmd
			})
			t.Logf("%-45s median %8v  overhead %8v", string(mode)+" / "+mech, d, d-base)
		}
	}
	// A workspace full of hard links into a store outside (a pnpm
	// node_modules: 2000 packages of 5 files), at both levels; the scan of
	// the workspace is made once per session and not timed here.
	pnpm := pnpmTree(t)
	for _, nons := range []bool{false, true} {
		var mech string
		d := median(func() *exec.Cmd {
			cmd, info, err := Command(context.Background(), Request{Argv: []string{"true"}, Cwd: pnpm,
				Env: FilterEnv(os.Environ()), Policy: testPolicy(protocol.SandboxWorkspaceWrite, pnpm), Self: self, NoNamespaces: nons})
			if err != nil {
				t.Fatal(err)
			}
			mech = info.Mechanism
			return cmd
		})
		t.Logf("%-45s median %8v  overhead %8v", "pnpm tree / "+mech, d, d-base)
	}
	// The real binary end to end (config loading included), as a user runs
	// it: KODEX_BENCH_BIN=path/to/kodex.
	if bin := os.Getenv("KODEX_BENCH_BIN"); bin != "" {
		kh := t.TempDir() // kept across runs, as a user's is (the probe is cached there)
		for _, nons := range []string{"0", "1"} {
			d := median(func() *exec.Cmd {
				cmd := exec.Command(bin, "sandbox", "--", "true")
				cmd.Dir = ws
				cmd.Env = append(os.Environ(), "KODEX_HOME="+kh, EnvNoNamespaces+"="+nons)
				return cmd
			})
			t.Logf("%-45s median %8v  overhead %8v", "kodex sandbox -- true (no-ns="+nons+")", d, d-base)
		}
	}
}

// testPolicy is the policy of a session in ws (what internal/policy makes).
func testPolicy(mode protocol.SandboxMode, ws string) protocol.SandboxPolicy {
	p := protocol.SandboxPolicy{Mode: mode, AllowGitWrites: true}
	if mode == protocol.SandboxWorkspaceWrite {
		p.WritableRoots = []string{ws}
	}
	return p
}

// pnpmTree makes a workspace whose node_modules/.pnpm holds 2000 package
// directories of 5 files hard-linked into a store outside it.
func pnpmTree(t *testing.T) string {
	base := t.TempDir()
	ws := filepath.Join(base, "ws")
	for i := range 2000 {
		dir := filepath.Join(ws, "node_modules/.pnpm", "pkg"+strconv.Itoa(i)+"@1.0.0/node_modules/pkg"+strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range 5 {
			store := filepath.Join(base, "store", strconv.Itoa(i)+"-"+strconv.Itoa(j))
			if err := os.MkdirAll(filepath.Dir(store), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(store, []byte("module.exports = 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(store, filepath.Join(dir, "f"+strconv.Itoa(j)+".js")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(ws, "node_modules/.pnpm/lock.yaml"), []byte("lock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return ws
}
