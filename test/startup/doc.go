// Package startup guards what `kodex --version` pays before main runs: it
// builds the binary as the release does and reads GODEBUG=inittrace=1,
// which prints each package initialiser's heap bytes and allocations. Those
// are deterministic (clock times are not, so nothing here is timed): kodex's
// own packages may only do trivial work at init (no tables, maps, regexps
// or encoders: build them on first use), and a dependency whose init is
// heavy has its cost written down next to the package that brings it in.
// It contains tests only.
package startup
