// Command mcpstartup measures what MCP servers cost a session: the time from
// starting `kodex exec` to the first model request, with no MCP servers and
// with N stdio servers (the real @modelcontextprotocol/server-everything that
// scripts/test-deps.sh installs in test/mcp), against the scripted fake
// model on loopback. Runs alternate between the two setups; it prints the
// median and the range of each.
//
//	go build -o /tmp/kodex ./cmd/kodex
//	go run ./bench/mcpstartup -kodex /tmp/kodex -runs 10 -servers 3
//
// It is a benchmark tool, not part of the kodex binary.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

func main() {
	kodex := flag.String("kodex", "kodex", "the kodex `binary`")
	runs := flag.Int("runs", 10, "runs of each setup")
	servers := flag.Int("servers", 3, "stdio MCP servers in the second setup")
	everything := flag.String("everything", "test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js", "server-everything's `path`")
	flag.Parse()
	if err := run(*kodex, *runs, *servers, *everything); err != nil {
		fmt.Fprintln(os.Stderr, "mcpstartup:", err)
		os.Exit(1)
	}
}

func run(kodex string, runs, servers int, everything string) error {
	everything, err := filepath.Abs(everything)
	if err != nil {
		return err
	}
	if _, err := os.Stat(everything); err != nil {
		return fmt.Errorf("run scripts/test-deps.sh first: %w", err)
	}
	model := modeltest.NewServer(modeltest.Options{Script: []modeltest.Response{modeltest.Text("done")}, Loop: true})
	defer model.Close()
	target, err := url.Parse(model.URL())
	if err != nil {
		return err
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	var mu sync.Mutex
	var first chan time.Time
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if first != nil {
			first <- time.Now()
			first = nil
		}
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	base := front.URL + target.Path

	home, err := os.MkdirTemp("", "kodex-mcpstartup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	var withServers []string
	for i := range servers {
		withServers = append(withServers,
			"-c", fmt.Sprintf("mcp_servers.s%d.command=%q", i, node),
			"-c", fmt.Sprintf("mcp_servers.s%d.args=[%q,\"stdio\"]", i, everything))
	}
	setups := []struct {
		name string
		args []string
	}{{"0 MCP servers", nil}, {fmt.Sprintf("%d stdio MCP servers", servers), withServers}}
	times := make([][]time.Duration, len(setups))
	for r := 0; r < runs; r++ {
		for i, s := range setups {
			ch := make(chan time.Time, 1)
			mu.Lock()
			first = ch
			mu.Unlock()
			args := append([]string{"exec", "--full-auto", "--skip-git-repo-check", "--ephemeral", "-c", "openai_base_url=" + base}, s.args...)
			cmd := exec.Command(kodex, append(args, "hi")...)
			cmd.Dir = home
			cmd.Env = append(os.Environ(), "KODEX_HOME="+home, "OPENAI_API_KEY=sk-bench")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: %w\n%s", s.name, err, out)
			}
			select {
			case t := <-ch:
				times[i] = append(times[i], t.Sub(start))
			default:
				return fmt.Errorf("%s: no model request", s.name)
			}
		}
	}
	for i, s := range setups {
		d := times[i]
		slices.Sort(d)
		fmt.Printf("%-22s first model request after: median %6.1f ms (min %6.1f, max %6.1f; %d runs)\n",
			s.name, ms(d[len(d)/2]), ms(d[0]), ms(d[len(d)-1]), len(d))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
