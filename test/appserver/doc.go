// Package appserver holds the end-to-end tests of `kodex app-server`: a
// freshly built kodex driven over stdio with raw JSON-RPC against the
// scripted fake model, every message it sends validated against the JSON
// Schema of Codex 0.169's app-server protocol (testdata/codex-0.169). It
// contains tests only and needs nothing but Go.
package appserver
