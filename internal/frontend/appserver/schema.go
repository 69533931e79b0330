package appserver

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
)

// The protocol's JSON Schema and TypeScript types, generated from Codex
// 0.169's schema for the methods kodex implements plus kodex's additions
// (test/appserver's TestGeneratedSchema makes them and fails when they
// drift).
//
//go:embed schema/kodex_app_server.schema.json schema/kodex_app_server.d.ts
var generated embed.FS

// Generated file names.
const (
	SchemaFile     = "kodex_app_server.schema.json"
	TypeScriptFile = "kodex_app_server.d.ts"
)

// WriteGenerated writes the generated file name (SchemaFile or
// TypeScriptFile) into dir, made if needed, and returns its path.
func WriteGenerated(dir, name string) (string, error) {
	b, err := generated.ReadFile("schema/" + name)
	if err != nil {
		return "", fmt.Errorf("no generated file %s", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil { //nolint:gosec // generated source for the user's project
		return "", err
	}
	return path, nil
}
