// Package pysdk holds the tests of the Python SDK (sdk/python): they build
// kodex, install the SDK into a virtual environment with pip (offline: its
// build backend is in the tree) and run the README's examples, verbatim,
// and sdk/python/tests against the real binary and a scripted fake model
// (internal/model/modeltest). It contains tests only.
package pysdk
