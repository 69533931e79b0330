// Package tui_test drives the real kodex binary's terminal UI in a
// pseudo-terminal against the scripted model: prompts, approvals, patches,
// interrupts and resume, as a person would. It contains tests only.
package tui_test
