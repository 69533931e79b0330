package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOverride(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		key     string // dotted, as rendered
		value   string // rendered TOML
		wantErr string
	}{
		{in: "model=gpt-5", key: "model", value: `"gpt-5"`},
		{in: `model="gpt-5"`, key: "model", value: `"gpt-5"`},
		{in: "model = 'o3' ", key: "model", value: `"o3"`},
		{in: "model=", key: "model", value: `""`},
		{in: "sandbox_workspace_write.network_access=true", key: "sandbox_workspace_write.network_access", value: "true"},
		{in: `model_providers.local.base_url="http://localhost:8080/v1"`, key: "model_providers.local.base_url", value: `"http://localhost:8080/v1"`},
		{in: "model_providers.local.base_url=http://x/v1?a=b", key: "model_providers.local.base_url", value: `"http://x/v1?a=b"`},
		{in: "profiles.fast.model=x", key: "profiles.fast.model", value: `"x"`},
		{in: `projects."/a=b/c".trust_level=trusted`, key: `projects."/a=b/c".trust_level`, value: `"trusted"`},
		{in: "notify=[\"a\", 'b']", key: "notify", value: `["a", "b"]`},
		{in: "sandbox_workspace_write={network_access=true}", key: "sandbox_workspace_write", value: "{ network_access = true }"},
		{in: "model_context_window=1_000", key: "model_context_window", value: "1000"},
		{in: "x=1.5", key: "x", value: "1.5"},
		{in: "x=[1,", key: "x", value: `"[1,"`},
		{in: "x=1\ny=2", key: "x", value: `"1\ny=2"`},
		{in: "x=a # b", key: "x", value: `"a # b"`},
		{in: "model", wantErr: "want key=value"},
		{in: "=x", wantErr: "empty key"},
		{in: "a b=1", wantErr: "bad key"},
		{in: "a.=1", wantErr: "bad key"},
		{in: "a\nb=1", wantErr: "bad key"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			path, v, err := splitOverride(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "-c "+tt.in+": ") {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]string{tt.key, tt.value}, [2]string{joinKey(path), render(v)}); diff != "" {
				t.Errorf("parse mismatch (-want +got):\n%s", diff)
			}
			if got := v.org.String(); got != "-c "+tt.in {
				t.Errorf("origin = %q", got)
			}
		})
	}
}

func TestOverrideTypes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, Getenv: envOf(nil), Overrides: []string{
		"model=4.1", // a float, taken as typed for a string key
		"model_context_window=200000",
		"sandbox_workspace_write.network_access=true",
		"model_providers.local.base_url=http://localhost:8080/v1",
		"model_provider=local",
		`shell_environment_policy.set={A="1"}`,
	}})
	if c.Model != "4.1" || c.ContextWindow != 200000 || !c.SandboxWorkspaceWrite.NetworkAccess {
		t.Errorf("model %q window %d network %v", c.Model, c.ContextWindow, c.SandboxWorkspaceWrite.NetworkAccess)
	}
	if c.Provider.ID != "local" || c.Provider.BaseURL != "http://localhost:8080/v1" || c.Provider.WireAPI != WireResponses || c.Provider.RequestMaxRetries != 4 {
		t.Errorf("provider = %+v", c.Provider)
	}
	if c.ShellEnvironmentPolicy.Set["A"] != "1" {
		t.Errorf("set = %v", c.ShellEnvironmentPolicy.Set)
	}
	if _, err := Load(Options{Home: f.home, Cwd: f.cwd, Getenv: envOf(nil), Overrides: []string{"model_context_window=big"}}); err == nil ||
		!strings.Contains(err.Error(), `-c model_context_window=big: bad model_context_window "big" (want a non-negative integer)`) {
		t.Errorf("err = %v", err)
	}
}

func FuzzParseOverride(f *testing.F) {
	for _, s := range []string{
		"model=gpt-5", `a."b.c".d=[1, {x = "y"}]`, "x=", "x=1e3", "x='''a\nb'''", `x="\u00e9"`,
		"x=1979-05-27T07:32:00Z", "x=inf", "=", `"=`, "a.b.c=true # c", "x={a.b=1}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		path, v, err := splitOverride(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "-c ") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		if len(path) == 0 {
			t.Fatalf("no key parsed from %q", s)
		}
		// Rendering the key and value and parsing them again gives the same.
		text := joinKey(path) + "=" + render(v)
		path2, v2, err := splitOverride(text)
		if err != nil {
			t.Fatalf("reparsing %q: %v", text, err)
		}
		if !slices.Equal(path, path2) {
			t.Fatalf("key of %q: %q != %q", s, path2, path)
		}
		if got, want := render(v2), render(v); got != want && !strings.Contains(want, "nan") {
			t.Fatalf("round trip of %q: %s != %s", s, got, want)
		}
	})
}

func TestParseDotEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    [][2]string
		wantErr string
	}{
		{name: "basic", in: "A=1\nB = two\n", want: [][2]string{{"A", "1"}, {"B", "two"}}},
		{name: "comments and blanks", in: "# c\n\n  \nA=1 # trailing\nB=x#y\r\n", want: [][2]string{{"A", "1"}, {"B", "x#y"}}},
		{name: "export", in: "export A=1\nexport\tB='2'\n", want: [][2]string{{"A", "1"}, {"B", "2"}}},
		{name: "double quotes", in: `A="a\nb \"q\" \$x # not a comment" # c` + "\n", want: [][2]string{{"A", "a\nb \"q\" $x # not a comment"}}},
		{name: "single quotes literal", in: `A='a\nb'`, want: [][2]string{{"A", `a\nb`}}},
		{name: "multi-line", in: "A=\"l1\nl2\"\nB=3", want: [][2]string{{"A", "l1\nl2"}, {"B", "3"}}},
		{name: "empty", in: "A=\nB=''", want: [][2]string{{"A", ""}, {"B", ""}}},
		{name: "no equals", in: "A=1\nJUNK\n", wantErr: "2: want KEY=VALUE"},
		{name: "bad name", in: "1A=1", wantErr: `1: bad variable name "1A"`},
		{name: "unterminated", in: "A=1\nB=\"open\n", wantErr: "2: unterminated"},
		{name: "junk after quote", in: "A=\"x\" y", wantErr: `1: unexpected "y"`},
		{name: "line numbers after multi-line", in: "A=\"1\n2\n3\"\nB", wantErr: "4: want KEY=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseDotEnv(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadDotEnv(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	got, err := LoadDotEnv(home, envOf(nil))
	if err != nil || len(got) != 0 {
		t.Fatalf("missing file: %v, %v", got, err)
	}
	writeFile(t, filepath.Join(home, ".env"), "OPENAI_API_KEY=sk-file\nOTHER=o\n")
	got, err = LoadDotEnv(home, envOf(map[string]string{"OPENAI_API_KEY": "sk-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"OTHER": "o"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	writeFile(t, filepath.Join(home, ".env"), "OK=1\nBAD\n")
	if _, err := LoadDotEnv(home, envOf(nil)); err == nil || !strings.Contains(err.Error(), filepath.Join(home, ".env")+":2: ") {
		t.Errorf("err = %v", err)
	}
}

func TestSetProjectTrust(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		before  string // "" means no file
		path    string
		level   string
		want    string
		wantErr string
	}{
		{
			name: "create", path: "/src/a", level: Trusted,
			want: "[projects.\"/src/a\"]\ntrust_level = \"trusted\"\n",
		},
		{
			name: "append keeps text", before: "# my config\nmodel = \"o3\"  # comment\n\n[tui]\nnotifications = true", path: "/src/a", level: Trusted,
			want: "# my config\nmodel = \"o3\"  # comment\n\n[tui]\nnotifications = true\n\n[projects.\"/src/a\"]\ntrust_level = \"trusted\"\n",
		},
		{
			name:   "update in place",
			before: "[projects.\"/src/a\"]\ntrust_level = 'untrusted' # why\n[projects.\"/src/b\"]\ntrust_level = \"trusted\"\n",
			path:   "/src/a/", level: Trusted,
			want: "[projects.\"/src/a\"]\ntrust_level = \"trusted\" # why\n[projects.\"/src/b\"]\ntrust_level = \"trusted\"\n",
		},
		{
			name: "dotted key", before: "projects.\"/src/a\".trust_level = \"untrusted\"\n", path: "/src/a", level: Trusted,
			want: "projects.\"/src/a\".trust_level = \"trusted\"\n",
		},
		{
			name: "inline table", before: "[projects]\n\"/src/a\" = { trust_level = \"untrusted\" }\n", path: "/src/a", level: Trusted,
			want: "[projects]\n\"/src/a\" = { trust_level = \"trusted\" }\n",
		},
		{
			name: "quoting", path: `/src/we"ird`, level: Untrusted,
			want: "[projects.\"/src/we\\\"ird\"]\ntrust_level = \"untrusted\"\n",
		},
		{name: "bad level", path: "/src/a", level: "yes", wantErr: "unknown trust level"},
		{name: "relative path", path: "src", level: Trusted, wantErr: "not absolute"},
		{name: "invalid file", before: "model = \n", path: "/src/a", level: Trusted, wantErr: "invalid config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := filepath.Join(t.TempDir(), "home")
			file := filepath.Join(home, "config.toml")
			if tt.before != "" {
				writeFile(t, file, tt.before)
			}
			err := SetProjectTrust(home, tt.path, tt.level)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(file)
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("file mismatch (-want +got):\n%s", diff)
			}
			// Idempotent, and what it wrote loads.
			if err := SetProjectTrust(home, tt.path, tt.level); err != nil {
				t.Fatal(err)
			}
			again, _ := os.ReadFile(file)
			if diff := cmp.Diff(string(got), string(again)); diff != "" {
				t.Errorf("second call changed the file (-first +second):\n%s", diff)
			}
			c, err := Load(Options{Home: home, Cwd: filepath.Clean(tt.path), Getenv: envOf(nil)})
			if err != nil {
				t.Fatal(err)
			}
			if c.Project.Trust != tt.level {
				t.Errorf("trust after Load = %q, want %q", c.Project.Trust, tt.level)
			}
			if st, err := os.Stat(file); err == nil && tt.before == "" && st.Mode().Perm() != 0o600 {
				t.Errorf("new file mode %v", st.Mode().Perm())
			}
		})
	}
}
