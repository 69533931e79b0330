// Command hello is the baseline for kodex's start-up benchmark: a static Go
// program that prints one line, built exactly like kodex.
package main

import "os"

func main() { _, _ = os.Stdout.WriteString("hello\n") }
