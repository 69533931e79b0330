// Package tui_test drives the real kodex binary in a pseudo-terminal against
// the scripted model (internal/model/modeltest), reading its screen through
// tuitest's terminal emulator: the end-to-end tests of the interactive UI.
//
// TestMain builds kodex once (CGO_ENABLED=0, not race-built; the test binary
// is). Every test gets its own KODEX_HOME, HOME and git repository, a fake
// model on loopback, and a 100×30 terminal.
//
// go test ./test/tui/ -update rewrites testdata/session-screen.txt.
package tui_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

var update = flag.Bool("update", false, "rewrite testdata/session-screen.txt")

// kodexBin is the kodex binary built by TestMain.
var kodexBin string

const (
	width, height = 100, 30
	timeout       = 20 * time.Second // generous: the race detector slows the harness
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "kodex-tui-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if testing.Short() {
			return m.Run() // every test skips
		}
		if err := build(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// build compiles ./cmd/kodex from the module root into dir.
func build(dir string) error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return fmt.Errorf("not inside the kodex module")
	}
	kodexBin = filepath.Join(dir, "kodex")
	cmd := exec.Command("go", "build", "-o", kodexBin, "./cmd/kodex")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building kodex: %w\n%s", err, out)
	}
	return nil
}

// env is one test's world: homes, a git repository and a fake model.
type env struct {
	t         *testing.T
	home      string // HOME
	kodexHome string // KODEX_HOME
	repo      string // the cwd, a git repository
	srv       *modeltest.Server
	extraEnv  []string // more of kodex's environment (KEY=VALUE)
}

// newEnv sets up the homes, the repository (trusted in config.toml if
// trusted) and a model serving responses.
func newEnv(t *testing.T, trusted bool, responses ...modeltest.Response) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	root := t.TempDir()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	e := &env{t: t, home: filepath.Join(root, "home"), repo: filepath.Join(root, "repo")}
	e.kodexHome = filepath.Join(e.home, ".kodex")
	for _, d := range []string{e.kodexHome, e.repo} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "init", "-q", e.repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	config := "# kodex end-to-end test\n"
	if trusted {
		config += fmt.Sprintf("\n[projects.%q]\ntrust_level = \"trusted\"\n", e.repo)
	}
	if err := os.WriteFile(filepath.Join(e.kodexHome, "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	e.srv = modeltest.New(t, responses...)
	return e
}

// start runs kodex with args in a pseudo-terminal in the repository.
func (e *env) start(args ...string) (*tuitest.Terminal, *exec.Cmd) {
	e.t.Helper()
	return e.startSized(width, height, args...)
}

// startSized runs kodex with args in a w×h pseudo-terminal.
func (e *env) startSized(w, h int, args ...string) (*tuitest.Terminal, *exec.Cmd) {
	e.t.Helper()
	return e.startWith(w, h, tuitest.Options{}, args...)
}

// startWith runs kodex with args in a w×h pseudo-terminal with opts.
func (e *env) startWith(w, h int, opts tuitest.Options, args ...string) (*tuitest.Terminal, *exec.Cmd) {
	e.t.Helper()
	args = append([]string{"-c", fmt.Sprintf("openai_base_url=%q", e.srv.URL())}, args...)
	cmd := exec.Command(kodexBin, args...)
	cmd.Dir = e.repo
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.home,
		"KODEX_HOME=" + e.kodexHome,
		"OPENAI_API_KEY=sk-test",
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
	}
	cmd.Env = append(cmd.Env, e.extraEnv...)
	term, err := tuitest.StartWith(cmd, w, h, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = term.Close() })
	return term, cmd
}

// wait waits until the scrollback or the screen shows text.
func wait(t *testing.T, term *tuitest.Terminal, text string) string {
	t.Helper()
	all, err := term.WaitForText(timeout, text)
	if err != nil {
		t.Fatalf("waiting for %q: %v", text, err)
	}
	return all
}

// waitScreen waits until the visible screen shows text and returns it.
func waitScreen(t *testing.T, term *tuitest.Terminal, text string) string {
	t.Helper()
	if _, err := term.WaitFor(timeout, func(string) bool { return strings.Contains(term.Screen(), text) }); err != nil {
		t.Fatalf("waiting for %q on the screen: %v", text, err)
	}
	return term.Screen()
}

// waitFrame waits until the screen shows text above a complete status
// line, so the frame is drawn to its end, and returns the screen. (The
// harness reads the pty as the bytes come: a half-drawn frame can be seen.)
func waitFrame(t *testing.T, term *tuitest.Terminal, text string) string {
	t.Helper()
	var screen string
	_, err := term.WaitFor(timeout, func(string) bool {
		screen = term.Screen()
		i := strings.Index(screen, text)
		return i >= 0 && statusRE.MatchString(screen[i:])
	})
	if err != nil {
		t.Fatalf("waiting for %q above the status line: %v", text, err)
	}
	return screen
}

// statusRE matches the status line: model · preset · sandbox · tokens.
var statusRE = regexp.MustCompile(`(?m)^ \S+ · \S+ · \S+ · .*tokens`)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// prompt waits for the composer, types text and submits it.
func prompt(t *testing.T, term *tuitest.Terminal, text string) {
	t.Helper()
	waitScreen(t, term, composerHint)
	must(t, term.Type(text))
	wait(t, term, text)
	must(t, term.Press("enter"))
}

const composerHint = "Ask kodex to do anything"

// quit quits with Ctrl+D on the empty composer and returns the terminal's
// text after kodex exited.
func quit(t *testing.T, term *tuitest.Terminal) string {
	t.Helper()
	must(t, term.Press("ctrl+d"))
	if err := term.Wait(timeout); err != nil {
		t.Fatalf("kodex exit: %v\n%s", err, term.Screen())
	}
	return term.All()
}

func shellArgs(argv ...string) string {
	b, _ := json.Marshal(map[string]any{"command": argv})
	return string(b)
}

// toolOutputs returns the function_call_output texts of request i.
func toolOutputs(r modeltest.Request) []string {
	var out []string
	for _, it := range r.Input() {
		if it.Type == model.ItemFunctionCallOutput || it.Type == model.ItemCustomToolCallOutput {
			out = append(out, it.Output)
		}
	}
	return out
}

// (1) Type a prompt, see the streamed answer.
func TestPromptStreamsAnswer(t *testing.T) {
	t.Parallel()
	answer := "Hello from the scripted model, streamed word by word."
	e := newEnv(t, true, modeltest.Response{Text: answer, DelayMS: 5})
	term, _ := e.start()
	prompt(t, term, "say hello")
	wait(t, term, answer)
	all := quit(t, term)
	for _, want := range []string{"› say hello", answer} {
		if !strings.Contains(all, want) {
			t.Errorf("terminal lacks %q:\n%s", want, all)
		}
	}
	reqs := e.srv.Requests()
	if len(reqs) != 1 || !bytes.Contains(reqs[0].Raw, []byte(`"say hello"`)) {
		t.Errorf("model requests: %d, want 1 with the prompt", len(reqs))
	}
}

// (2) Approve a command under -a untrusted and see its output.
func TestApproveCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true,
		modeltest.Calls(modeltest.FunctionCall("shell", shellArgs("touch", "made.txt"))),
		modeltest.Response{Text: "Created made.txt: ", EchoToolOutput: true},
	)
	term, _ := e.start("-a", "untrusted")
	prompt(t, term, "make a file")
	screen := waitScreen(t, term, "Allow this command?")
	if !strings.Contains(screen, "touch made.txt") {
		t.Errorf("approval modal lacks the command:\n%s", screen)
	}
	must(t, term.Type("y"))
	all := wait(t, term, "Created made.txt")
	t.Logf("after approval:\n%s", term.Screen())
	if !strings.Contains(all, "touch made.txt") || !strings.Contains(all, "exit 0") {
		t.Errorf("terminal lacks the command's run and exit code:\n%s", all)
	}
	if _, err := os.Stat(filepath.Join(e.repo, "made.txt")); err != nil {
		t.Errorf("the approved command did not run: %v", err)
	}
	quit(t, term)
	reqs := e.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model got %d requests, want 2", len(reqs))
	}
	if outs := toolOutputs(reqs[1]); len(outs) != 1 || !strings.Contains(outs[0], "Exit code: 0") && !strings.Contains(outs[0], `"exit_code":0`) {
		t.Errorf("tool output sent to the model: %q", outs)
	}
}

const addPatch = "*** Begin Patch\n*** Add File: x.txt\n+hi\n*** End Patch"

func patchArgs() string {
	b, _ := json.Marshal(map[string]string{"input": addPatch})
	return string(b)
}

// (3) Deny a patch with feedback; the model is told it was rejected.
func TestDenyPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true,
		modeltest.Calls(modeltest.FunctionCall("apply_patch", patchArgs())),
		modeltest.Text("OK, I will not add x.txt."),
	)
	term, _ := e.start("-a", "untrusted")
	prompt(t, term, "add x.txt")
	screen := waitScreen(t, term, "Apply these changes to 1 file?")
	if !strings.Contains(screen, "x.txt") || !strings.Contains(screen, "1 + hi") {
		t.Errorf("patch modal lacks the diff:\n%s", screen)
	}
	must(t, term.Type("n"))
	if strings.Contains(waitScreen(t, term, "Tell the model why"), "Tell the model why") {
		must(t, term.Type("not now"))
		waitScreen(t, term, "› not now")
		must(t, term.Press("enter"))
	}
	all := wait(t, term, "OK, I will not add x.txt.")
	if !strings.Contains(all, "Declined") {
		t.Errorf("terminal does not show the declined patch:\n%s", all)
	}
	quit(t, term)
	if _, err := os.Stat(filepath.Join(e.repo, "x.txt")); err == nil {
		t.Errorf("x.txt exists although the patch was denied")
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model got %d requests, want 2", len(reqs))
	}
	outs := toolOutputs(reqs[1])
	t.Logf("told the model: %q", outs)
	if len(outs) != 1 || !strings.Contains(strings.ToLower(outs[0]), "rejected") {
		t.Errorf("the model was not told the patch was rejected: %q", outs)
	}
	if len(outs) == 1 && !strings.Contains(outs[0], "not now") {
		t.Errorf("the model was not given the feedback: %q", outs[0])
	}
}

// (4) Esc interrupts a long command and its process is gone.
func TestEscInterruptsCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true,
		modeltest.Calls(modeltest.FunctionCall("shell", shellArgs("sleep", "30"))),
	)
	term, cmd := e.start("-a", "never")
	prompt(t, term, "wait a while")
	waitScreen(t, term, "sleep 30")
	sleeper := waitProc(t, cmd.Process.Pid, "sleep\x0030\x00")
	t.Logf("running:\n%s", term.Screen())
	start := time.Now()
	must(t, term.Press("esc"))
	if _, err := term.WaitFor(5*time.Second, func(string) bool {
		return strings.Contains(term.Screen(), "Interrupted.")
	}); err != nil {
		t.Fatalf("not interrupted within 5s: %v", err)
	}
	t.Logf("interrupted after %v", time.Since(start).Round(time.Millisecond))
	if alive(sleeper) {
		t.Errorf("sleep 30 (pid %d) still runs after the interrupt", sleeper)
	}
	if pids := descendants(cmd.Process.Pid); len(pids) > 0 {
		for _, p := range pids {
			if strings.HasPrefix(cmdline(p), "sleep\x00") {
				t.Errorf("kodex still has a sleep child: pid %d", p)
			}
		}
	}
	// The turn is over: the composer is back and nothing is left running.
	screen := waitScreen(t, term, composerHint)
	for _, stale := range []string{"Running sleep 30", "Working", "Interrupting"} {
		if strings.Contains(screen, stale) {
			t.Errorf("screen still shows %q after the interrupt:\n%s", stale, screen)
		}
	}
	for _, want := range []string{"✗ Ran sleep 30", "Interrupted."} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q after the interrupt:\n%s", want, screen)
		}
	}
	quit(t, term)
}

// (5) Resume a session and see its history.
func TestResumeShowsHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, modeltest.Text("The answer is forty-two."), modeltest.Text("Still forty-two."))
	term, _ := e.start()
	prompt(t, term, "what is the answer")
	wait(t, term, "The answer is forty-two.")
	must(t, term.Press("ctrl+c"))
	must(t, term.Press("ctrl+c"))
	wait(t, term, "To continue this session")
	if err := term.Wait(timeout); err != nil {
		t.Fatalf("kodex exit: %v", err)
	}
	all := term.All()
	m := regexp.MustCompile(`kodex resume (\S+)`).FindAllStringSubmatch(all, -1)
	if m == nil {
		t.Fatalf("no resume line:\n%s", all)
	}
	id := m[len(m)-1][1]
	t.Logf("session id %s", id)

	term2, _ := e.start("resume", id)
	wait(t, term2, composerHint)
	hist := wait(t, term2, "The answer is forty-two.")
	if !strings.Contains(hist, "what is the answer") {
		t.Errorf("resumed UI lacks the earlier prompt:\n%s", hist)
	}
	// The resumed session continues with its history sent to the model.
	prompt(t, term2, "and again?")
	wait(t, term2, "Still forty-two.")
	all2 := quit(t, term2)
	if !strings.Contains(all2, "kodex resume "+id) {
		t.Errorf("the resumed session exits with another id:\n%s", all2)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model got %d requests, want 2", len(reqs))
	}
	for _, want := range []string{"what is the answer", "The answer is forty-two.", "and again?"} {
		if !bytes.Contains(reqs[1].Raw, []byte(want)) {
			t.Errorf("the resumed turn's request lacks %q", want)
		}
	}
}

// The first run in an untrusted directory asks; the answer is saved.
func TestTrustScreen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, modeltest.Text("Trusted and ready."))
	term, _ := e.start()
	screen := waitScreen(t, term, "Do you trust the files in this folder?")
	if !strings.Contains(screen, e.repo) {
		t.Errorf("trust screen lacks the folder %s:\n%s", e.repo, screen)
	}
	must(t, term.Type("y"))
	prompt(t, term, "hi")
	wait(t, term, "Trusted and ready.")
	if !strings.Contains(term.Screen(), "auto-edit") {
		t.Errorf("status line does not show the auto-edit preset:\n%s", term.Screen())
	}
	quit(t, term)
	data, err := os.ReadFile(filepath.Join(e.kodexHome, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "# kodex end-to-end test") ||
		!strings.Contains(string(data), strconv.Quote(e.repo)) ||
		!regexp.MustCompile(`trust_level\s*=\s*"trusted"`).Match(data) {
		t.Errorf("config.toml not updated:\n%s", data)
	}

	// The second run does not ask again.
	e.srv.Add(modeltest.Text("Second run."))
	term2, _ := e.start()
	prompt(t, term2, "again")
	wait(t, term2, "Second run.")
	if strings.Contains(term2.All(), "Do you trust") {
		t.Errorf("asked about trust again:\n%s", term2.All())
	}
	quit(t, term2)
}

// A session with a command, an approval and a patch; its screen is kept in
// testdata/session-screen.txt.
func TestSessionScreen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true,
		modeltest.Response{Text: "I'll write the notes first.", Calls: []modeltest.Call{
			modeltest.FunctionCall("shell", shellArgs("sh", "-c", "echo hello > notes.txt && wc -c notes.txt"))}},
		modeltest.Calls(modeltest.FunctionCall("apply_patch", patchArgs())),
		modeltest.Text("Added **x.txt** with one line."),
	)
	term, _ := e.start("-a", "untrusted")
	prompt(t, term, "add a file x.txt saying hi")
	waitFrame(t, term, "Allow this command?")
	must(t, term.Type("y"))
	waitFrame(t, term, "Apply these changes to 1 file?")
	// The modal's screen once the command's cell is printed whole (its
	// last row is its exit line).
	var screen string
	if _, err := term.WaitFor(timeout, func(string) bool {
		screen = term.Screen()
		return strings.Contains(screen, "exit 0 ·") && strings.Contains(screen, "Apply these changes to 1 file?") && statusRE.MatchString(screen)
	}); err != nil {
		t.Fatalf("the command's cell and the modal are not on the screen together: %v", err)
	}
	must(t, term.Type("y"))
	wait(t, term, "with one line.")
	waitFrame(t, term, composerHint)
	// The transcript once kodex exited (every row printed), not the last
	// screen, whose rows depend on when the last prints landed; up to the
	// exit summary, which names the session.
	final := quit(t, term)
	if i := strings.Index(final, "› add a file"); i >= 0 {
		final = final[i:]
	}
	if i := strings.Index(final, "Token usage:"); i >= 0 {
		final = final[:i]
	}
	if data, err := os.ReadFile(filepath.Join(e.repo, "x.txt")); err != nil || string(data) != "hi\n" {
		t.Errorf("x.txt = %q, %v; want hi", data, err)
	}
	got := normalize(screen, e) + "\n" + strings.Repeat("─", 40) + " after approving\n\n" + normalize(final, e)
	path := filepath.Join("testdata", "session-screen.txt")
	if *update {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if comparable(string(want)) != comparable(got) {
		t.Errorf("screen differs from %s (rerun with -update if intended):\n%s", path, got)
	}
}

// normalize replaces the temporary repository path with a fixed one,
// re-padding the modal's box lines so the file does not depend on where the
// test ran.
func normalize(screen string, e *env) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for i, l := range lines {
		if !strings.Contains(l, e.repo) {
			continue
		}
		cols := utf8.RuneCountInString(l)
		l = strings.ReplaceAll(l, e.repo, "/work/project")
		if strings.HasPrefix(l, "│") && strings.HasSuffix(l, "│") {
			inner := strings.TrimRight(strings.TrimSuffix(l, "│"), " ")
			if pad := cols - 1 - utf8.RuneCountInString(inner); pad > 0 {
				l = inner + strings.Repeat(" ", pad) + "│"
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n") + "\n"
}

// The parts of a screen that change from run to run: durations, the
// spinner frame and estimated token counts.
var (
	durationRE = regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s|m)\b`)
	spinnerRE  = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)
	tokensRE   = regexp.MustCompile(`\b\d+(\.\d+)?k? tokens\b`)
	contextRE  = regexp.MustCompile(`\b\d+% context used\b`)
)

// comparable blanks what changes from run to run, keeping the layout.
func comparable(screen string) string {
	screen = durationRE.ReplaceAllString(screen, "<t>")
	screen = spinnerRE.ReplaceAllString(screen, "*")
	screen = contextRE.ReplaceAllString(screen, "<n>% context used")
	return tokensRE.ReplaceAllString(screen, "<n> tokens")
}

// waitProc waits for a descendant of pid whose /proc cmdline is cmdline.
func waitProc(t *testing.T, pid int, want string) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		for _, p := range descendants(pid) {
			if cmdline(p) == want {
				return p
			}
		}
		<-tick.C
	}
	t.Fatalf("no %q process under kodex (pid %d)", want, pid)
	return 0
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := ppid(p); ok {
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q, hops := parent[p], 0; q > 1 && hops < 64; q, hops = parent[q], hops+1 {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func ppid(pid int) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

func cmdline(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(data)
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
}
