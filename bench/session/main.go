// Command session measures kodex's memory over a long session: it runs the
// real agent, shell tool and model client in-process against the scripted
// fake model for N turns, each with one shell call printing a large output,
// and prints the live heap every few turns. The heap must grow with what the
// model keeps seeing (each output capped head+tail), not with the command
// output itself.
//
//	go run ./bench/session [-turns 200] [-total-mb 50]
//
// It is a benchmark tool, not part of the kodex binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
	"github.com/kodex-cli/kodex/internal/tools/shell"
)

func main() {
	turns := flag.Int("turns", 200, "number of turns")
	totalMB := flag.Int("total-mb", 50, "command output over the whole session, in MiB")
	flag.Parse()
	if err := run(*turns, *totalMB); err != nil {
		fmt.Fprintln(os.Stderr, "session:", err)
		os.Exit(1)
	}
}

func run(turns, totalMB int) error {
	perTurn := totalMB << 20 / turns
	// Each turn: the model runs `head -c N /dev/zero | tr '\0' x`, then answers.
	srv := modeltest.NewServer(modeltest.Options{Loop: true, KeepRequests: 1, Script: []modeltest.Response{
		modeltest.ShellThenAnswer([]string{"sh", "-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", perTurn)}, "done"),
	}})
	defer srv.Close()
	client, err := openai.New(openai.Options{BaseURL: srv.URL(), APIKey: "bench"})
	if err != nil {
		return err
	}
	router, err := tools.NewRouter(shell.New(shell.Options{}))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kodex-session-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s := agent.New(agent.Options{
		SessionID: "bench",
		Model:     client,
		Tools:     router,
		Settings: agent.Settings{
			Model: "bench", Cwd: dir, ApprovalPolicy: protocol.ApprovalNever,
			Sandbox: policy.Resolve(policy.Input{Mode: protocol.SandboxDangerFullAccess}),
		},
	})
	s.Start(ctx)
	events := s.Events()
	var outBytes int64
	start := time.Now()
	fmt.Printf("%d turns, %d KiB of command output per turn (%d MiB in total)\n", turns, perTurn>>10, totalMB)
	for i := 1; i <= turns; i++ {
		if _, err := s.Submit(ctx, protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: "go"}}}); err != nil {
			return err
		}
		for ev := range events {
			if d, ok := ev.Msg.(protocol.ExecOutputDelta); ok {
				outBytes += int64(len(d.Chunk))
			}
			if f, ok := ev.Msg.(protocol.TurnFailed); ok {
				return fmt.Errorf("turn %d failed: %s", i, f.Error)
			}
			if _, ok := ev.Msg.(protocol.TurnComplete); ok {
				break
			}
		}
		if i == 1 || i%(max(turns/10, 1)) == 0 {
			reqs := srv.Requests()
			fmt.Printf("turn %4d  output so far %6.1f MiB  last request %6.2f MiB  live heap %6.2f MiB  elapsed %s\n",
				i, float64(outBytes)/(1<<20), float64(len(reqs[len(reqs)-1].Raw))/(1<<20), liveHeapMiB(), time.Since(start).Round(time.Millisecond))
		}
	}
	_, _ = s.Submit(ctx, protocol.Shutdown{})
	for range events {
	}
	return nil
}

func liveHeapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
