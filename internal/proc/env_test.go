package proc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildEnv(t *testing.T) {
	t.Parallel()
	environ := []string{
		"PATH=/bin", "HOME=/home/u", "LANG=C.UTF-8", "LC_ALL=C", "TERM=xterm", "USER=u",
		"EDITOR=vi", "OPENAI_API_KEY=sk-1", "GITHUB_TOKEN=gh", "my_secret=s", "DB_PASSWORD=p",
		"AWS_REGION=eu", "SSH_AUTH_SOCK=/tmp/agent", "GOPATH=/go", "TZ=UTC", "PATH=/usr/bin:/bin",
		"=C:=C:\\", "NOEQUALS", "Api_Key_Lower=k",
	}
	tests := []struct {
		name string
		pol  EnvPolicy
		want []string
	}{
		{
			name: "default is core without secrets",
			want: []string{"HOME=/home/u", "LANG=C.UTF-8", "LC_ALL=C", "PATH=/usr/bin:/bin", "TERM=xterm", "TZ=UTC", "USER=u"},
		},
		{
			name: "core explicitly",
			pol:  EnvPolicy{Inherit: InheritCore, Set: map[string]string{"KODEX_SANDBOX": "1"}},
			want: []string{"HOME=/home/u", "KODEX_SANDBOX=1", "LANG=C.UTF-8", "LC_ALL=C", "PATH=/usr/bin:/bin", "TERM=xterm", "TZ=UTC", "USER=u"},
		},
		{
			name: "all minus secrets",
			pol:  EnvPolicy{Inherit: InheritAll},
			want: []string{"EDITOR=vi", "GOPATH=/go", "HOME=/home/u", "LANG=C.UTF-8", "LC_ALL=C", "PATH=/usr/bin:/bin", "TERM=xterm", "TZ=UTC", "USER=u"},
		},
		{
			name: "all with an allowed secret",
			pol:  EnvPolicy{Inherit: InheritAll, Allow: []string{"github_token", "AWS_REGION"}, Exclude: []string{"LC_*", "TERM"}},
			want: []string{"AWS_REGION=eu", "EDITOR=vi", "GITHUB_TOKEN=gh", "GOPATH=/go", "HOME=/home/u", "LANG=C.UTF-8", "PATH=/usr/bin:/bin", "TZ=UTC", "USER=u"},
		},
		{
			name: "ignore default excludes",
			pol:  EnvPolicy{Inherit: InheritAll, IgnoreDefaultExcludes: true, IncludeOnly: []string{"*KEY*", "SSH_*"}},
			want: []string{"Api_Key_Lower=k", "OPENAI_API_KEY=sk-1", "SSH_AUTH_SOCK=/tmp/agent"},
		},
		{
			name: "include only then set",
			pol:  EnvPolicy{Inherit: InheritAll, IncludeOnly: []string{"PATH", "HOME"}, Set: map[string]string{"HOME": "/sandbox", "X_TOKEN": "set wins"}},
			want: []string{"HOME=/sandbox", "PATH=/usr/bin:/bin", "X_TOKEN=set wins"},
		},
		{
			name: "none",
			pol:  EnvPolicy{Inherit: InheritNone, Set: map[string]string{"A": "1"}},
			want: []string{"A=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := BuildEnv(environ, tt.pol)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BuildEnv mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildEnvCaseInsensitiveDuplicates(t *testing.T) {
	t.Parallel()
	got := BuildEnv([]string{"Path=C:\\a", "PATH=C:\\b"}, EnvPolicy{Set: map[string]string{"path": "C:\\c"}})
	if diff := cmp.Diff([]string{"path=C:\\c"}, got); diff != "" {
		t.Errorf("BuildEnv mismatch (-want +got):\n%s", diff)
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"*KEY*", "OPENAI_API_KEY", true},
		{"*KEY*", "keyring", true},
		{"*KEY*", "MONKEY", true},
		{"*KEY*", "KE_Y", false},
		{"AWS_*", "aws_region", true},
		{"AWS_*", "MY_AWS_X", false},
		{"LC_?", "LC_A", true},
		{"LC_?", "LC_AB", false},
		{"*", "", true},
		{"", "", true},
		{"", "A", false},
		{"A*B*C", "AxxBxxBxxC", true},
		{"A*B*C", "AxxBxxBxxD", false},
	}
	for _, tt := range tests {
		if got := Match(tt.glob, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	lines := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(strings.Repeat("x", 9))
			b.WriteByte(byte('0' + i%10))
			b.WriteByte('\n')
		}
		return b.String()
	}
	tests := []struct {
		name     string
		in       string
		maxBytes int
		maxLines int
		want     string
	}{
		{"fits", "abc\n", 10, 5, "abc\n"},
		{"no limits", lines(100), 0, 0, lines(100)},
		{"bytes on line boundaries", lines(10), 50, 0, lines(10)[:22] + OmittedMarker(66, 6) + lines(10)[88:]},
		{"lines", lines(10), 0, 4, lines(10)[:22] + OmittedMarker(66, 6) + lines(10)[88:]},
		{"lines odd", lines(10), 1000, 3, lines(10)[:11] + OmittedMarker(77, 7) + lines(10)[88:]},
		{"no newline", strings.Repeat("a", 100), 10, 0, strings.Repeat("a", 5) + OmittedMarker(90, 0) + strings.Repeat("a", 5)},
		{"runes", strings.Repeat("é", 10), 5, 0, "é" + OmittedMarker(16, 0) + "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := TruncateLines(tt.in, tt.maxBytes, tt.maxLines)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TruncateLines mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := Truncate("hello world", 4); got != "he"+OmittedMarker(7, 0)+"ld" {
		t.Errorf("Truncate = %q", got)
	}
}

func TestLikelySandboxDenied(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   int
		signal string
		out    string
		want   bool
	}{
		{0, "", "Permission denied", false},
		{1, "", "touch: cannot touch '/x': Permission denied", true},
		{1, "", "mkdir: Operation not permitted", true},
		{1, "", "cp: Read-only file system", true},
		{1, "", "mv: Invalid cross-device link", true},
		{1, "", "rename failed: EXDEV", true},
		{1, "", "kodex-sandbox: landlock unavailable", true},
		{1, "", "some output\nkodex-sandbox: denied", true},
		{-1, "SIGSYS", "", true},
		{159, "", "", true},
		{125, "", "kodex-sandbox: landlock: not supported", true},
		{125, "", "docker: error", false},
		{1, "", "open: EACCES", true},
		{-1, "SIGKILL", "", false},
		{2, "", "grep: no such file", false},
		{1, "", "", false},
	}
	for _, tt := range tests {
		if got := LikelySandboxDenied(tt.code, tt.signal, tt.out); got != tt.want {
			t.Errorf("LikelySandboxDenied(%d, %q, %q) = %v, want %v", tt.code, tt.signal, tt.out, got, tt.want)
		}
	}
}
