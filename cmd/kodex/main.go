// Command kodex is a local AI coding agent. All of its logic lives in
// internal/cli; this file only hands over the arguments and exits with the
// code it gets back.
package main

import (
	"context"
	"os"

	"github.com/kodex-cli/kodex/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args))
}
