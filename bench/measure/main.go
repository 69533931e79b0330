// Command measure runs commands repeatedly and prints, for each, the median
// wall time, the median CPU time (user+system) and the largest peak resident
// memory of the runs, for the bench/ scripts. Usage:
//
//	measure [-n RUNS] [-label NAME] -- CMD ARGS…
//	measure [-n RUNS] -label A -label B … -- CMD_A ARGS… ::: CMD_B ARGS… ::: …
//
// With several commands (separated by a ::: argument) the runs alternate
// (A B C A B C …), so a machine that gets busier or quieter during the run
// affects them alike, and each line also shows its wall time as a ratio to
// the first command's, the baseline.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// labels collects repeated -label flags.
type labels []string

func (l *labels) String() string     { return strings.Join(*l, ", ") }
func (l *labels) Set(s string) error { *l = append(*l, s); return nil }

// result is one command's runs.
type result struct {
	label       string
	argv        []string
	walls, cpus []time.Duration
	maxRSS      int64
}

func main() {
	n := flag.Int("n", 20, "number of runs of each command")
	var names labels
	flag.Var(&names, "label", "label of the next command's output line (default: the command); repeat per command")
	flag.Parse()
	groups := split(flag.Args())
	if len(groups) == 0 || len(names) > len(groups) {
		fmt.Fprintln(os.Stderr, "usage: measure [-n RUNS] [-label NAME]… -- CMD ARGS… [::: CMD ARGS…]…")
		os.Exit(2)
	}
	results := make([]*result, len(groups))
	for i, g := range groups {
		label := g[0]
		if i < len(names) {
			label = names[i]
		}
		results[i] = &result{label: label, argv: g}
	}
	for range *n {
		for _, r := range results {
			if err := r.run(); err != nil {
				fmt.Fprintf(os.Stderr, "measure: %s: %v\n", r.label, err)
				os.Exit(1)
			}
		}
	}
	base := median(results[0].walls)
	for _, r := range results {
		ratio := ""
		if len(results) > 1 && base > 0 {
			ratio = fmt.Sprintf("  %5.2f×", float64(median(r.walls))/float64(base))
		}
		fmt.Printf("%-40s wall %8s%s  cpu %8s  peak RSS %6.1f MiB  (median of %d)\n",
			r.label, median(r.walls).Round(10*time.Microsecond), ratio, median(r.cpus).Round(10*time.Microsecond), float64(r.maxRSS)/1024, *n)
	}
}

// split cuts args at each ::: into commands.
func split(args []string) [][]string {
	var groups [][]string
	for len(args) > 0 {
		i := slices.Index(args, ":::")
		if i < 0 {
			i = len(args)
		}
		if i > 0 {
			groups = append(groups, args[:i])
		}
		args = args[min(i+1, len(args)):]
	}
	return groups
}

func (r *result) run() error {
	cmd := exec.Command(r.argv[0], r.argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return err
	}
	r.walls = append(r.walls, time.Since(start))
	ps := cmd.ProcessState
	r.cpus = append(r.cpus, ps.UserTime()+ps.SystemTime())
	r.maxRSS = max(r.maxRSS, peakRSSKiB(ps))
	return nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
