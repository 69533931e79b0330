// Package archtest enforces kodex's architecture: the import rules of
// DESIGN.md (imports point one way, down the data flow) and a doc comment on
// every package. It contains tests only.
package archtest
