// Command measure runs a command repeatedly and prints the median wall time,
// the median CPU time (user+system) and the largest peak resident memory of
// the runs, for the bench/ scripts. Usage:
//
//	measure [-n RUNS] [-label NAME] -- CMD ARGS…
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	n := flag.Int("n", 20, "number of runs")
	label := flag.String("label", "", "label for the output line (default: the command)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure [-n RUNS] [-label NAME] -- CMD ARGS…")
		os.Exit(2)
	}
	if *label == "" {
		*label = args[0]
	}
	walls := make([]time.Duration, 0, *n)
	cpus := make([]time.Duration, 0, *n)
	var maxRSS int64
	for range *n {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "measure: %s: %v\n", *label, err)
			os.Exit(1)
		}
		walls = append(walls, time.Since(start))
		ps := cmd.ProcessState
		cpus = append(cpus, ps.UserTime()+ps.SystemTime())
		maxRSS = max(maxRSS, peakRSSKiB(ps))
	}
	fmt.Printf("%-28s wall %8s  cpu %8s  peak RSS %6.1f MiB  (median of %d)\n",
		*label, median(walls).Round(10*time.Microsecond), median(cpus).Round(10*time.Microsecond), float64(maxRSS)/1024, *n)
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}
