package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// The escape suite runs every attack in attacks_linux_test.go through Run
// (what `kodex sandbox` runs) under read-only and workspace-write, with and
// without namespaces, as the current user and — when root — as an
// unprivileged user in a subprocess. It fails on any escape or any failing
// piece of legitimate work; documented degradations are reported as such.

type fixture struct {
	base, mark, gitConfig string
	tmp                   string // the session's private temp dir
	hostTmp               string // a file in the real /tmp
	victimMtime           time.Time
	victim                *exec.Cmd
	tcp, tunix, tabs      net.Listener
	udp, dgram            net.PacketConn
}

// httptestProg is a test that serves and fetches on a loopback port.
const httptestProg = `package srv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServe(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer s.Close()
	res, err := http.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if string(b) != "pong" {
		t.Fatalf("got %q", b)
	}
}
`

// hostGit runs git outside the sandbox, as the user's next git command
// would, and reports whether it left marker files in outside/.
func (f *fixture) hostGitClean(dir string, args ...string) bool {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+filepath.Join(f.base, "home"))
	out, err := cmd.CombinedOutput()
	if os.Getenv("KODEX_ESCAPE_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "host git %v: %v\n%s\n", args, err, out)
	}
	ents, _ := os.ReadDir(filepath.Join(f.base, "outside"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "pwned") {
			os.Remove(filepath.Join(f.base, "outside", e.Name()))
			return false
		}
	}
	return true
}

func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func write(t *testing.T, p, s string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{base: t.TempDir(), mark: fmt.Sprintf("kodexesc%d", rand.Int64())}
	os.Chmod(f.base, 0o755)
	b := f.base
	ws := filepath.Join(b, "ws")
	write(t, filepath.Join(ws, "inws"), "original\n", 0o644)
	write(t, filepath.Join(ws, ".kodex/config.toml"), "original\n", 0o644)
	write(t, filepath.Join(ws, "prog/go.mod"), "module prog\n\ngo 1.22\n", 0o644)
	write(t, filepath.Join(ws, "prog/main.go"), "package main\n\nfunc main() { println(\"hello\") }\n", 0o644)
	write(t, filepath.Join(ws, "prog/main_test.go"), "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n", 0o644)
	write(t, filepath.Join(ws, "netprog/go.mod"), "module netprog\n\ngo 1.22\n", 0o644)
	write(t, filepath.Join(ws, "netprog/srv_test.go"), httptestProg, 0o644)
	run(t, ws, "git", "init", "-q")
	run(t, ws, "git", "add", "inws")
	run(t, ws, "git", "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "init")
	os.MkdirAll(filepath.Join(ws, ".git/info"), 0o755)
	// A worktree of the workspace's repository, outside it.
	run(t, ws, "git", "worktree", "add", "-q", filepath.Join(b, "wt"))
	// A nested repository (a vendored clone).
	lib := filepath.Join(ws, "vendor/lib")
	write(t, filepath.Join(lib, "f"), "original\n", 0o644)
	run(t, lib, "git", "init", "-q")
	run(t, lib, "git", "add", "f")
	run(t, lib, "git", "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "init")
	// A file in the workspace hard-linked to one outside.
	write(t, filepath.Join(b, "outside/linked"), "original\n", 0o644)
	os.MkdirAll(filepath.Join(ws, "deps"), 0o755)
	if err := os.Link(filepath.Join(b, "outside/linked"), filepath.Join(ws, "deps/linked")); err != nil {
		t.Fatal(err)
	}
	// A pnpm-like node_modules: more package directories of hard links
	// into a store outside than get a mount each.
	for i := range maxLinkedMounts + 6 {
		store := filepath.Join(b, "outside/store", strconv.Itoa(i))
		write(t, store, "original\n", 0o644)
		pkg := filepath.Join(ws, "node_modules/.pnpm", fmt.Sprintf("pkg%d@1.0.0", i), "index.js")
		os.MkdirAll(filepath.Dir(pkg), 0o755)
		if err := os.Link(store, pkg); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(ws, "node_modules/.pnpm/lock.yaml"), "lock\n", 0o644)
	f.tmp = filepath.Join(b, "session-tmp")
	os.Mkdir(f.tmp, 0o700)
	f.hostTmp = filepath.Join(os.TempDir(), "kodexesc-host-"+f.mark)
	write(t, f.hostTmp, "HOST-TMP\n", 0o644)
	t.Cleanup(func() { os.Remove(f.hostTmp) })
	cfg, _ := os.ReadFile(filepath.Join(ws, ".git/config"))
	f.gitConfig = string(cfg)
	write(t, filepath.Join(b, "outside/victim"), "original\n", 0o644)
	if err := os.Symlink(filepath.Join(b, "outside"), filepath.Join(ws, "outlink")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(b, "home")
	write(t, filepath.Join(home, ".ssh/id_rsa"), "SECRET-SSH\n", 0o600)
	write(t, filepath.Join(home, ".aws/credentials"), "SECRET-AWS\n", 0o600)
	write(t, filepath.Join(home, ".netrc"), "SECRET-NETRC\n", 0o600)
	write(t, filepath.Join(home, ".kodex/auth.json"), "SECRET-KODEX\n", 0o600)
	write(t, filepath.Join(home, ".kodex/config.toml"), "[model_providers.x.http_headers]\nAuthorization = \"SECRET-KODEX-CONFIG\"\n", 0o600)
	write(t, filepath.Join(home, ".kodex/sessions/2026/01/01/rollout-x.jsonl"), "SECRET-KODEX-SESSION\n", 0o600)
	write(t, filepath.Join(home, ".kodex/history.jsonl"), "SECRET-KODEX-HISTORY\n", 0o600)
	write(t, filepath.Join(home, "proj/notes"), "original\n", 0o644)
	write(t, filepath.Join(home, ".bashrc"), "original\n", 0o644)
	f.reset(t)
	var err error
	if f.tcp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if f.udp, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if f.tunix, err = net.Listen("unix", filepath.Join(b, "host.sock")); err != nil {
		t.Fatal(err)
	}
	if f.dgram, err = net.ListenPacket("unixgram", filepath.Join(b, "host-dgram.sock")); err != nil {
		t.Fatal(err)
	}
	if f.tabs, err = net.Listen("unix", "@"+f.mark); err != nil {
		t.Fatal(err)
	}
	f.victim = exec.Command("sleep", "600")
	f.victim.Env = []string{"VICTIM_SECRET=VICTIM-SECRET"}
	if err := f.victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.victim.Process.Kill()
		f.victim.Wait()
		for _, c := range []interface{ Close() error }{f.tcp, f.udp, f.tunix, f.dgram, f.tabs} {
			c.Close()
		}
	})
	return f
}

// reset puts the outside victims back before each attack.
func (f *fixture) reset(t *testing.T) {
	for _, p := range []string{"outside/victim", "home/.bashrc", "outside/linked", "outside/store/0", "outside/store/69"} {
		write(t, filepath.Join(f.base, p), "original\n", 0o644)
		os.Chmod(filepath.Join(f.base, p), 0o644)
	}
	f.victimMtime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(filepath.Join(f.base, "outside/victim"), f.victimMtime, f.victimMtime)
}

// Pending connections or datagrams are read without waiting: anything the
// command got through is queued in the kernel by the time Run returns.
func accepted(l net.Listener) int {
	type deadliner interface{ SetDeadline(time.Time) error }
	l.(deadliner).SetDeadline(time.Now())
	n := 0
	for {
		c, err := l.Accept()
		if err != nil {
			return n
		}
		c.Close()
		n++
	}
}

func received(c net.PacketConn) int {
	c.SetReadDeadline(time.Now())
	n := 0
	buf := make([]byte, 64)
	for {
		if _, _, err := c.ReadFrom(buf); err != nil {
			return n
		}
		n++
	}
}

func (f *fixture) tcpHits() int      { return accepted(f.tcp) }
func (f *fixture) unixHits() int     { return accepted(f.tunix) }
func (f *fixture) abstractHits() int { return accepted(f.tabs) }
func (f *fixture) udpHits() int      { return received(f.udp) }
func (f *fixture) dgramHits() int    { return received(f.dgram) }

func (f *fixture) victimAlive() bool {
	return syscall.Kill(f.victim.Process.Pid, 0) == nil && !processExited(f.victim.Process.Pid)
}

func processExited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) == 0 || f[0] == "Z"
}

// survivors reports (and kills) processes left over from an attack.
// markNum is the digits of the fixture's mark: the fork bomb sleeps for
// 3017.<markNum> seconds, so that survivors of one fixture are told from
// another's, which may run at the same time.
func (f *fixture) markNum() string { return strings.TrimPrefix(f.mark, "kodexesc") }

func (f *fixture) survivors() bool {
	found := false
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cl, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		// Only this fixture's processes: other tests on the machine run
		// their own sleeps.
		if (bytes.Contains(cl, []byte("kodexsurv-"+f.mark)) || bytes.HasPrefix(cl, []byte("sleep\x003017."+f.markNum()+"\x00"))) && !processExited(pid) {
			found = true
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return found
}

type result struct {
	Attack, Level, Verdict, Detail string
}

func pythonPath() string {
	for _, p := range []string{"/usr/bin/python3", "/usr/local/bin/python3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("python3")
	return p
}

// runSuite runs every attack at every level as the current user.
func runSuite(t *testing.T, self, who string) []result {
	var results []result
	gocache := os.Getenv("KODEX_ESCAPE_GOCACHE")
	if gocache == "" {
		gocache = strings.TrimSpace(goEnv("GOCACHE"))
	}
	for _, mode := range []protocol.SandboxMode{protocol.SandboxReadOnly, protocol.SandboxWorkspaceWrite} {
		for _, nons := range []bool{false, true} {
			f := newFixture(t)
			lvl := fmt.Sprintf("%s/%s/%s", who, mode, map[bool]string{false: "ns", true: "no-ns"}[nons])
			ordered := append(legitFirst(), attacksOnly()...)
			for _, a := range ordered {
				if a.wsOnly && mode != protocol.SandboxWorkspaceWrite {
					continue
				}
				// KODEX_ESCAPE_ONLY=substring runs the matching attacks only
				// (for development; CI runs them all).
				if only := os.Getenv("KODEX_ESCAPE_ONLY"); only != "" && !strings.Contains(a.name, only) {
					continue
				}
				f.reset(t)
				results = append(results, runAttack(t, f, self, gocache, mode, nons, lvl, a, who))
			}
		}
	}
	// Controls: each attack marked control must work unconfined (on a fresh
	// fixture), or the check that it is blocked proves nothing.
	for _, a := range attacks {
		if !a.control {
			continue
		}
		if only := os.Getenv("KODEX_ESCAPE_ONLY"); only != "" && !strings.Contains(a.name, only) {
			continue
		}
		f := newFixture(t)
		r := runAttack(t, f, self, gocache, protocol.SandboxDangerFullAccess, false, who+"/unconfined (control)", a, who)
		switch r.Verdict {
		case "ESCAPED":
			r.Verdict, r.Detail = "works", ""
		default:
			r.Verdict, r.Detail = "FAILED", "the attack has no effect even unconfined: "+r.Detail
		}
		results = append(results, r)
	}
	return results
}

func legitFirst() (out []attack) {
	for _, a := range attacks {
		if a.legit {
			out = append(out, a)
		}
	}
	return out
}

func attacksOnly() (out []attack) {
	for _, a := range attacks {
		if !a.legit {
			out = append(out, a)
		}
	}
	return out
}

func goEnv(k string) string {
	out, _ := exec.Command("go", "env", k).Output()
	return string(out)
}

func runAttack(t *testing.T, f *fixture, self, gocache string, mode protocol.SandboxMode, nons bool, lvl string, a attack, who string) result {
	ws := filepath.Join(f.base, "ws")
	home := filepath.Join(f.base, "home")
	env := FilterEnv(append(os.Environ(), "OPENAI_API_KEY=sk-LEAK", "GITHUB_TOKEN=ghp_LEAK",
		"AWS_SECRET_ACCESS_KEY=AWSLEAK", "SSH_AUTH_SOCK=/tmp/agent.sock"))
	env = append(env, "HOME="+home, "WS="+ws, "OUT="+filepath.Join(f.base, "outside"), "PY="+pythonPath(),
		"MARK="+f.mark, "MARKNUM="+f.markNum(), "TCPPORT="+port(f.tcp.Addr()), "UDPPORT="+port(f.udp.LocalAddr()),
		"USOCK="+filepath.Join(f.base, "host.sock"), "DSOCK="+filepath.Join(f.base, "host-dgram.sock"),
		"ASOCK="+f.mark, "VICTIMPID="+strconv.Itoa(f.victim.Process.Pid),
		"GOCACHE="+gocache, "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "GIT_CONFIG_NOSYSTEM=1")
	cwd := ws
	switch a.root {
	case "home":
		cwd = home
	case "wt":
		cwd = filepath.Join(f.base, "wt")
	}
	env = append(env, "WT="+filepath.Join(f.base, "wt"), "HOSTTMP="+f.hostTmp)
	policy := protocol.SandboxPolicy{Mode: mode, AllowGitWrites: true}
	if mode != protocol.SandboxReadOnly {
		policy.WritableRoots = []string{cwd}
		if gocache != "" {
			policy.WritableRoots = append(policy.WritableRoots, gocache)
		}
	}
	req := Request{Argv: []string{"sh", "-c", a.script}, Cwd: cwd, Env: env, Policy: policy, Self: self,
		NoNamespaces: nons, Home: home, KodexHome: filepath.Join(home, ".kodex"), MaxFileSize: a.maxFile, MaxProcs: 64,
		TmpDir: f.tmp}
	var stdio Stdio
	var out bytes.Buffer
	stdio.Out, stdio.Err = &out, &out
	if a.extraFile {
		fd, err := os.OpenFile(filepath.Join(f.base, "outside/victim"), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fd.Close()
		stdio.ExtraFiles = []*os.File{fd}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	code, info, err := Run(ctx, req, stdio)
	if a.then != "" && err == nil {
		req.Argv = []string{"sh", "-c", a.then}
		code, info, err = Run(ctx, req, stdio)
	}
	r := result{Attack: a.name, Level: lvl}
	good := err == nil && a.check(f, out.String(), code)
	want := MechNamespaces
	if nons {
		want = MechLandlock
	}
	if mode == protocol.SandboxDangerFullAccess {
		want = MechNone
	}
	switch {
	case err == nil && info.Mechanism != want:
		r.Verdict, r.Detail = "FAILED", "level unavailable: ran under "+info.Mechanism
	case err != nil:
		r.Verdict, r.Detail = "FAILED", err.Error()
	case good && a.legit:
		r.Verdict = "passed"
	case good:
		r.Verdict = "blocked"
		if mode == protocol.SandboxDangerFullAccess {
			r.Detail = fmt.Sprintf("exit %d: %s", code, tail(out.String()))
		}
	case a.degradedNoNS != "" && nons:
		r.Verdict, r.Detail = "DEGRADED", a.degradedNoNS
	case a.degradedRoot != "" && who == "root":
		r.Verdict, r.Detail = "DEGRADED", a.degradedRoot
	case a.legit:
		r.Verdict, r.Detail = "FAILED", fmt.Sprintf("exit %d err %v: %s", code, err, tail(out.String()))
	default:
		r.Verdict, r.Detail = "ESCAPED", fmt.Sprintf("exit %d err %v: %s", code, err, tail(out.String()))
	}
	f.survivors()
	return r
}

func tail(s string) string {
	if len(s) > 400 {
		s = "…" + s[len(s)-400:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// TestEscapeSuite is the escape suite. Set KODEX_ESCAPE_TABLE=path to also
// write the table as Markdown (docs/sandbox.md shows it).
func TestEscapeSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("escape suite is long")
	}
	self := suiteHelper(t)
	if os.Getenv("KODEX_ESCAPE_CHILD") == "1" {
		res := runSuite(t, self, os.Getenv("KODEX_ESCAPE_WHO"))
		json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	who := "root"
	if os.Getuid() != 0 {
		who = "user"
	}
	results := runSuite(t, self, who)
	if os.Getuid() == 0 {
		results = append(results, runAsUser(t, self)...)
	}
	report(t, results)
}

// suiteHelper is the binary the suite runs as the sandbox helper: this test
// binary, or — when it is built with the race detector, which makes each of
// the suite's ~900 helper starts slow and tests nothing the kernel does — the
// kodex binary itself, built static as shipped.
func suiteHelper(t *testing.T) string {
	if p := os.Getenv("KODEX_ESCAPE_HELPER"); p != "" {
		return p
	}
	self, _ := os.Executable()
	if !raceEnabled {
		return self
	}
	bin := filepath.Join(t.TempDir(), "kodex")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "../../cmd/kodex")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kodex as the helper: %v\n%s", err, out)
	}
	return bin
}

// runAsUser re-runs the suite as an unprivileged user (created with useradd
// if needed) in a subprocess of a world-readable copy of the test binary.
func runAsUser(t *testing.T, helper string) []result {
	const name = "kodexesc"
	fail := func(why string) []result {
		return []result{{Attack: "(unprivileged run)", Level: "user", Verdict: "FAILED", Detail: why}}
	}
	u, err := user.Lookup(name)
	if err != nil {
		if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
			return fail(fmt.Sprintf("useradd: %v %s", err, out))
		}
		if u, err = user.Lookup(name); err != nil {
			return fail(err.Error())
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "kodexesc-bin-")
	if err != nil {
		return fail(err.Error())
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "sandbox.test")
	self, _ := os.Executable()
	b, err := os.ReadFile(self)
	if err != nil || os.WriteFile(bin, b, 0o755) != nil {
		return fail("copying test binary")
	}
	userHelper := bin
	if helper != self {
		userHelper = filepath.Join(dir, "kodex")
		b, err := os.ReadFile(helper)
		if err != nil || os.WriteFile(userHelper, b, 0o755) != nil {
			return fail("copying the helper binary")
		}
	}
	gocache := filepath.Join(u.HomeDir, "gocache")
	cred := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	userEnv := []string{"HOME=" + u.HomeDir, "USER=" + name, "PATH=" + os.Getenv("PATH") + ":/usr/local/go/bin",
		"GOCACHE=" + gocache, "GOTOOLCHAIN=local", "GOPROXY=off", "LANG=C.UTF-8"}
	// Warm the user's build cache outside the sandbox (one-time cost).
	prog := filepath.Join(dir, "prog")
	write(t, filepath.Join(prog, "go.mod"), "module prog\n\ngo 1.22\n", 0o644)
	write(t, filepath.Join(prog, "main.go"), "package main\n\nfunc main() { println(\"hello\") }\n", 0o644)
	write(t, filepath.Join(prog, "main_test.go"), "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n", 0o644)
	os.Chmod(prog, 0o777)
	warm := exec.Command("/usr/local/go/bin/go", "test", "-count=1", "./...")
	warm.Dir, warm.Env, warm.SysProcAttr = prog, userEnv, cred
	if out, err := warm.CombinedOutput(); err != nil {
		return fail(fmt.Sprintf("warming the build cache: %v %s", err, out))
	}
	cmd := exec.Command(bin, "-test.run=^TestEscapeSuite$", "-test.v=false")
	cmd.Dir = dir
	cmd.Env = append(userEnv, "KODEX_ESCAPE_CHILD=1", "KODEX_ESCAPE_WHO=user", "KODEX_ESCAPE_GOCACHE="+gocache, "KODEX_ESCAPE_HELPER="+userHelper)
	cmd.SysProcAttr = cred
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res []result
	if i := bytes.IndexByte(out, '['); i >= 0 {
		dec := json.NewDecoder(bytes.NewReader(out[i:]))
		if dec.Decode(&res) == nil {
			return res
		}
	}
	return fail(fmt.Sprintf("child run: %v: %s %s", err, tail(string(out)), tail(stderr.String())))
}

func report(t *testing.T, results []result) {
	var levels []string
	seen := map[string]bool{}
	cell := map[[2]string]string{}
	var names []string
	seenName := map[string]bool{}
	for _, r := range results {
		if !seen[r.Level] {
			seen[r.Level] = true
			levels = append(levels, r.Level)
		}
		if !seenName[r.Attack] {
			seenName[r.Attack] = true
			names = append(names, r.Attack)
		}
		cell[[2]string{r.Attack, r.Level}] = r.Verdict
		switch r.Verdict {
		case "ESCAPED", "FAILED":
			t.Errorf("%s @ %s: %s: %s", r.Attack, r.Level, r.Verdict, r.Detail)
		case "DEGRADED":
			t.Logf("%s @ %s: degraded (documented): %s", r.Attack, r.Level, r.Detail)
		}
	}
	sort.Strings(levels)
	var md strings.Builder
	md.WriteString("| attack | " + strings.Join(levels, " | ") + " |\n|---|" + strings.Repeat("---|", len(levels)) + "\n")
	for _, n := range names {
		row := []string{n}
		for _, l := range levels {
			v := cell[[2]string{n, l}]
			if v == "" {
				v = "–"
			}
			row = append(row, v)
		}
		md.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	t.Logf("escape suite (%d attacks and legit checks × %d levels):\n%s", len(names), len(levels), md.String())
	if p := os.Getenv("KODEX_ESCAPE_TABLE"); p != "" {
		os.WriteFile(p, []byte(md.String()), 0o644)
	}
}
