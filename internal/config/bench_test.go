package config

import (
	"os"
	"testing"
)

func BenchmarkLoad(b *testing.B) {
	home := b.TempDir()
	if err := os.WriteFile(home+"/config.toml", []byte("model = \"o3\"\n[profiles.fast]\nmodel = \"x\"\n[mcp_servers.a]\ncommand = \"a\"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := Options{Home: home, Cwd: home, Profile: "fast", Overrides: []string{"model=y"}, Getenv: envOf(nil)}
	for b.Loop() {
		if _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}
