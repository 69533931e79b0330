package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuthFileRoundTrip(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "new-home")
	got, err := ReadAuth(home)
	if err != nil || got != nil {
		t.Fatalf("ReadAuth with no file = %+v, %v; want nil, nil", got, err)
	}
	path, err := WriteAuthKey(home, "sk-proj-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(home, "auth.json") {
		t.Errorf("path = %s", path)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{home: 0o700, path: 0o600} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != want {
				t.Errorf("%s mode = %o, want %o", p, got, want)
			}
		}
	}
	// Codex's shape: it reads the same file.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"auth_mode": "apikey", "OPENAI_API_KEY": "sk-proj-0123456789abcdef"}, raw); diff != "" {
		t.Errorf("auth.json mismatch (-want +got):\n%s", diff)
	}
	got, err = ReadAuth(home)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Auth{Mode: "apikey", APIKey: "sk-proj-0123456789abcdef", Path: path}, got); diff != "" {
		t.Errorf("ReadAuth mismatch (-want +got):\n%s", diff)
	}

	// A second login replaces the key, and the mode stays 0600 even if
	// someone widened it.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAuthKey(home, "sk-second-key-000000000"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode after rewrite = %o, want 600", st.Mode().Perm())
	}
	if got, _ := ReadAuth(home); got.APIKey != "sk-second-key-000000000" {
		t.Errorf("key after rewrite = %q", got.APIKey)
	}

	removed, err := RemoveAuth(home)
	if err != nil || !removed {
		t.Errorf("RemoveAuth = %v, %v; want true, nil", removed, err)
	}
	removed, err = RemoveAuth(home)
	if err != nil || removed {
		t.Errorf("second RemoveAuth = %v, %v; want false, nil", removed, err)
	}
}

func TestReadAuthCodexFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, file string
		want       string // the key; "error" for an error
	}{
		{"api key", `{"OPENAI_API_KEY": "sk-abc"}`, "sk-abc"},
		{"chatgpt tokens only", `{"OPENAI_API_KEY": null, "tokens": {"id_token": "x", "access_token": "y", "refresh_token": "z"}, "last_refresh": "2025-12-28T12:34:56Z"}`, ""},
		{"auth mode and agent fields", `{"auth_mode": "apikey", "OPENAI_API_KEY": " sk-abc\n", "agent_identity": "j"}`, "sk-abc"},
		{"not json", `OPENAI_API_KEY=sk-abc`, "error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			writeFile(t, filepath.Join(home, "auth.json"), tt.file)
			a, err := ReadAuth(home)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("ReadAuth = %+v, want an error", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.APIKey != tt.want {
				t.Errorf("key = %q, want %q", a.APIKey, tt.want)
			}
		})
	}
}

func TestWriteAuthKeyRefuses(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "sk-a b", "sk-a\nb", "sk-\x1b[0m"} {
		home := t.TempDir()
		if _, err := WriteAuthKey(home, key); err == nil {
			t.Errorf("WriteAuthKey(%q) succeeded", key)
		}
		if _, err := os.Stat(filepath.Join(home, "auth.json")); err == nil {
			t.Errorf("WriteAuthKey(%q) wrote a file", key)
		}
	}
}

func TestMaskKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"sk-proj-0123456789abcd": "sk-...abcd",
		"sk-short":               "****",
		"":                       "****",
	} {
		if got := MaskKey(key); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestResolveProviderKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), `
[model_providers.gateway]
name = "Gateway"
base_url = "https://gw.example.com/v1"
requires_openai_auth = true

[model_providers.azure]
name = "Azure"
base_url = "https://x.openai.azure.com/openai"
env_key = "AZURE_KEY"
`)
	stored := &Auth{APIKey: "sk-stored", Path: "/h/auth.json"}
	type got struct{ Key, From string }
	for _, tt := range []struct {
		name     string
		provider string
		env      map[string]string
		auth     *Auth
		want     got
	}{
		{"openai env wins", "openai", map[string]string{"OPENAI_API_KEY": "sk-env"}, stored, got{"sk-env", "OPENAI_API_KEY"}},
		{"openai stored key when env unset", "openai", nil, stored, got{"sk-stored", "/h/auth.json"}},
		{"openai stored key when env empty", "openai", map[string]string{"OPENAI_API_KEY": ""}, stored, got{"sk-stored", "/h/auth.json"}},
		{"openai CODEX_API_KEY before the file", "openai", map[string]string{"CODEX_API_KEY": "sk-codex"}, stored, got{"sk-codex", "CODEX_API_KEY"}},
		{"openai KODEX_API_KEY first", "openai", map[string]string{"CODEX_API_KEY": "sk-codex", "KODEX_API_KEY": "sk-kodex"}, stored, got{"sk-kodex", "KODEX_API_KEY"}},
		{"openai nothing", "openai", nil, nil, got{}},
		{"requires_openai_auth provider uses the stored key", "gateway", nil, stored, got{"sk-stored", "/h/auth.json"}},
		{"other provider never gets the stored key", "azure", nil, stored, got{}},
		{"other provider never gets CODEX_API_KEY", "azure", map[string]string{"CODEX_API_KEY": "sk-codex"}, stored, got{}},
		{"other provider env", "azure", map[string]string{"AZURE_KEY": "az"}, stored, got{"az", "AZURE_KEY"}},
		{"local provider", "ollama", map[string]string{"OPENAI_API_KEY": "sk-env"}, stored, got{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := f.opts()
			opts.Overrides = []string{"model_provider=" + tt.provider}
			c := mustLoad(t, opts)
			r := c.ResolveProvider(envOf(tt.env), tt.auth)
			if diff := cmp.Diff(tt.want, got{r.APIKey, r.KeyFrom}); diff != "" {
				t.Errorf("key mismatch (-want +got):\n%s", diff)
			}
		})
	}

	// requires_openai_auth = false on the built-in openai provider opts out.
	opts := f.opts()
	opts.Overrides = []string{"model_providers.openai.requires_openai_auth=false"}
	r := mustLoad(t, opts).ResolveProvider(envOf(map[string]string{"CODEX_API_KEY": "sk-codex"}), stored)
	if r.APIKey != "" {
		t.Errorf("openai with requires_openai_auth = false got the key from %s", r.KeyFrom)
	}
}
