// Command resumegen writes the sessions bench/resume.sh measures into a
// KODEX_HOME: one big transcript (default ~100 MB) that looks like a long
// real session — user and assistant messages, reasoning, many shell calls
// whose outputs are large (the model's copy cut to ~10 KiB as the shell tool
// cuts it, the exec_end event's to 32 KiB as the recorder does), token
// counts, and a compaction or two — and N small sessions spread over several
// working directories and days. It prints the big session's id.
//
//	resumegen -home DIR -cwd DIR [-mb 100] [-live-mb 16] [-compactions 2] [-sessions 2000]
//
// It is a benchmark tool, not part of the kodex binary.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/rollout/rolloutgen"
)

func main() {
	home := flag.String("home", "", "KODEX_HOME to write into (required)")
	cwd := flag.String("cwd", "", "working directory of the big session (default: the current one)")
	mb := flag.Int("mb", 100, "size of the big transcript, in MB")
	liveMB := flag.Int("live-mb", 16, "history after the last compaction (what a resume sends), in MB")
	compactions := flag.Int("compactions", 2, "compacted lines in the big transcript")
	sessions := flag.Int("sessions", 2000, "small sessions to write besides the big one")
	flag.Parse()
	if *home == "" {
		fmt.Fprintln(os.Stderr, "resumegen: -home is required")
		os.Exit(2)
	}
	if *cwd == "" {
		*cwd, _ = os.Getwd()
	}
	if err := run(*home, *cwd, *mb, *liveMB, *compactions, *sessions); err != nil {
		fmt.Fprintln(os.Stderr, "resumegen:", err)
		os.Exit(1)
	}
}

func run(home, cwd string, mb, liveMB, compactions, sessions int) error {
	start := time.Now().Add(-time.Duration(sessions+10) * time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range sessions {
		dir := cwd
		if i%4 != 0 { // a quarter of them in the big session's directory
			dir = filepath.Join(filepath.Dir(cwd), fmt.Sprintf("project-%d", i%7))
		}
		at := start.Add(time.Duration(i) * time.Hour)
		if _, err := rolloutgen.Write(rolloutgen.Options{
			Home: home, Cwd: dir, Now: at, Turns: 1 + rng.IntN(4), CallsPerTurn: 2, Rand: rng, ModelOutput: 1 << 10, EventOutput: 2 << 10,
		}); err != nil {
			return err
		}
	}
	id, err := rolloutgen.Write(rolloutgen.Options{
		Home: home, Cwd: cwd, Now: time.Now().Add(-time.Minute), Rand: rng,
		Bytes: int64(mb) * 1e6, LiveBytes: int64(liveMB) * 1e6, Compactions: compactions,
	})
	if err != nil {
		return err
	}
	fmt.Println(strings.TrimSpace(id))
	return nil
}
