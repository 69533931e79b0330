//go:build race

package sandbox

// raceEnabled: the test binary is built with the race detector, which makes
// every start of it (as the sandbox helper) slow.
const raceEnabled = true
