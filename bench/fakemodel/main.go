// Command fakemodel serves a scripted fake model (internal/model/modeltest)
// on 127.0.0.1 for benchmark scripts, speaking both the Responses API and
// Chat Completions. It prints its base URL (ending in /v1) on the first line
// of stdout, then serves until interrupted or until stdin is closed (with
// -stdin).
//
//	fakemodel -builtin shell        # one shell call, then an answer; stateless, loops
//	fakemodel -builtin answer       # an answer only, loops
//	fakemodel -script turn.json     # a JSON script (see modeltest.ParseScript)
//	fakemodel -discard …            # requests read, not kept or decoded (megabyte ones)
//
// It is a benchmark tool, not part of the kodex binary.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakemodel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scriptPath := fs.String("script", "", "JSON script `file` to serve")
	builtin := fs.String("builtin", "shell", "built-in script when -script is not given: shell | answer")
	loop := fs.Bool("loop", true, "serve the script round and round")
	watchStdin := fs.Bool("stdin", false, "exit when stdin is closed")
	discard := fs.Bool("discard", false, "read requests without keeping or decoding them (megabyte requests)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var script modeltest.Script
	switch {
	case *scriptPath != "":
		s, err := modeltest.LoadScript(*scriptPath)
		if err != nil {
			fmt.Fprintln(stderr, "fakemodel:", err)
			return 1
		}
		script = s
		script.Loop = script.Loop || *loop
	case *builtin == "shell":
		script = modeltest.Script{Loop: true, Responses: []modeltest.Response{
			modeltest.ShellThenAnswer([]string{"echo", "hello"}, "done"),
		}}
	case *builtin == "answer":
		script = modeltest.Script{Loop: true, Responses: []modeltest.Response{modeltest.Text("done")}}
	default:
		fmt.Fprintf(stderr, "fakemodel: unknown -builtin %q (want shell or answer)\n", *builtin)
		return 2
	}
	srv := modeltest.NewServer(modeltest.Options{Script: script.Responses, Loop: script.Loop, DiscardBodies: *discard})
	defer srv.Close()
	fmt.Fprintln(stdout, srv.URL())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(stdin))
			stop()
		}()
	}
	<-ctx.Done()
	return 0
}
