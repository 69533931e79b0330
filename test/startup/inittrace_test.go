package startup_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/testkit"
)

const module = "github.com/kodex-cli/kodex"

// Kodex's own packages may allocate this much at init: a few errors.New and
// sync.OnceValue (2 allocations, 72 bytes each), never a table.
const (
	ownBytes  = 512
	ownAllocs = 8
)

// Any other package may allocate this much at init unless knownInits lists it.
const (
	depBytes  = 4 << 10
	depAllocs = 32
)

// totalBytes bounds the heap all initialisers together allocate (about
// 230 KB when this was written, most of it in knownInits).
const totalBytes = 256 << 10

// budget is a ceiling on one package's init.
type budget struct {
	bytes, allocs int
	why           string
}

// knownInits are the dependencies whose initialisers cost more than the
// default, each with what it allocated when measured (linux/amd64) plus a
// margin: encoding/gob's count varies from run to run with map growth. A new
// entry needs a reason; lowering one is always welcome.
var knownInits = map[string]budget{
	"github.com/google/jsonschema-go/jsonschema": {90_000, 330, "81 KB, 296 allocs: the MCP SDK's schema package (reflects over Schema's fields, builds maps)"},
	"encoding/gob":                                   {32_000, 420, "27-29 KB, 359-376 allocs: the MCP SDK encodes its list cursors with gob"},
	"github.com/charmbracelet/ultraviolet":           {30_000, 24, "27 KB: bubbletea's terminal key tables (TUI)"},
	"github.com/charmbracelet/x/ansi":                {15_000, 24, "13 KB: the TUI and termtext's ANSI parser tables"},
	"github.com/charmbracelet/x/ansi/parser":         {4_600, 6, "4 KB: the ANSI parser's transition table"},
	"unicode":                                        {12_500, 24, "11 KB: the standard library's category tables"},
	"github.com/modelcontextprotocol/go-sdk/mcp":     {9_000, 210, "8 KB, 183 allocs: the MCP SDK (client and mcp-server)"},
	"github.com/modelcontextprotocol/go-sdk/oauthex": {4_000, 36, "3.5 KB, 28 allocs: the MCP SDK's OAuth metadata"},
	"vendor/golang.org/x/net/http2/hpack":            {8_200, 12, "7 KB: net/http's HTTP/2 header tables"},
	"net/http":                                       {5_500, 60, "5 KB, 50 allocs: net/http (the model client)"},
	"compress/flate":                                 {4_700, 10, "4 KB: net/http's gzip"},
}

// notLinked are modules known for heavy initialisers that kodex does
// without; the inittrace budgets would catch them too, this says why.
var notLinked = map[string]string{
	"github.com/alecthomas/chroma":     "syntax highlighting: every lexer is built and registered at init",
	"github.com/charmbracelet/glamour": "Markdown rendering through chroma; the TUI has its own renderer",
	"charm.land/glamour":               "Markdown rendering through chroma; the TUI has its own renderer",
	"github.com/yuin/goldmark":         "Markdown: its HTML entity table is built at init; the TUI has its own renderer",
	"github.com/openai/openai-go":      "the model client is hand-written (DESIGN.md: the SDK cost +20 MB and 2.4x start-up)",
}

// initCost is one line of GODEBUG=inittrace=1:
// "init PKG @T ms, C ms clock, B bytes, A allocs".
type initCost struct {
	pkg           string
	bytes, allocs int
}

func parseInitTrace(t *testing.T, out []byte) []initCost {
	t.Helper()
	var costs []initCost
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," || f[10] != "allocs" {
			continue
		}
		b, err1 := strconv.Atoi(f[7])
		a, err2 := strconv.Atoi(f[9])
		if err1 != nil || err2 != nil {
			t.Fatalf("unexpected inittrace line %q", sc.Text())
		}
		costs = append(costs, initCost{f[1], b, a})
	}
	return costs
}

// buildKodex builds cmd/kodex as scripts/release does: static, -trimpath,
// stripped.
func buildKodex(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kodex")
	build := exec.Command(testkit.GoTool(), "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", bin, "./cmd/kodex")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kodex: %v\n%s", err, out)
	}
	return bin
}

// TestInitAllocations runs `kodex --version` with GODEBUG=inittrace=1 and
// holds every package initialiser to its budget.
func TestInitAllocations(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the budgets were measured on linux; other platforms link other packages")
	}
	bin := buildKodex(t)
	cmd := exec.Command(bin, "--version")
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kodex --version: %v\n%s", err, stderr.Bytes())
	}
	if !strings.HasPrefix(stdout.String(), "kodex ") {
		t.Fatalf("kodex --version printed %q", stdout.String())
	}
	costs := parseInitTrace(t, stderr.Bytes())
	if len(costs) < 50 {
		t.Fatalf("read %d init lines from GODEBUG=inittrace=1, want the ~130 of kodex's packages:\n%s", len(costs), stderr.Bytes())
	}

	total, own := 0, 0
	for _, c := range costs {
		total += c.bytes
		switch b, known := knownInits[c.pkg]; {
		case c.pkg == module || strings.HasPrefix(c.pkg, module+"/"):
			own++
			if c.bytes > ownBytes || c.allocs > ownAllocs {
				t.Errorf("%s allocates %d bytes in %d allocations at init (budget %d bytes, %d allocations): "+
					"build tables, maps, regexps and encoded values on first use (a func with a switch, a slice literal, or sync.OnceValue), not in package-level variables",
					c.pkg, c.bytes, c.allocs, ownBytes, ownAllocs)
			}
		case known:
			if c.bytes > b.bytes || c.allocs > b.allocs {
				t.Errorf("%s allocates %d bytes in %d allocations at init, over its recorded %d bytes, %d allocations (%s)",
					c.pkg, c.bytes, c.allocs, b.bytes, b.allocs, b.why)
			}
		default:
			if c.bytes > depBytes || c.allocs > depAllocs {
				t.Errorf("%s allocates %d bytes in %d allocations at init (budget for a dependency: %d bytes, %d allocations): "+
					"every kodex command pays for it before main runs; find who imports it (go mod why -m / go list -deps) and avoid it, "+
					"or record it in knownInits with the reason", c.pkg, c.bytes, c.allocs, depBytes, depAllocs)
			}
		}
	}
	if own == 0 {
		t.Errorf("no init line for a package of %s: was the trace read?", module)
	}
	t.Logf("%d package initialisers, %d bytes in all", len(costs), total)
	if total > totalBytes {
		t.Errorf("package initialisers allocate %d bytes in all, over the %d-byte budget", total, totalBytes)
	}
}

// TestHeavyPackagesNotLinked: packages known for costly initialisers stay
// out of the binary.
func TestHeavyPackagesNotLinked(t *testing.T) {
	list := exec.Command(testkit.GoTool(), "list", "-deps", "./cmd/kodex")
	list.Dir = filepath.Join("..", "..")
	list.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/kodex: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps ./cmd/kodex listed %d packages", len(deps))
	}
	for _, d := range deps {
		for prefix, why := range notLinked {
			if d == prefix || strings.HasPrefix(d, prefix+"/") {
				// chroma/v2, glamour/v2, … are under the module path too.
				t.Errorf("kodex links %s: %s", d, why)
			}
		}
	}
}
