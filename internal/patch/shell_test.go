package patch

import "testing"

func TestExtractFromShell(t *testing.T) {
	t.Parallel()
	const body = "*** Begin Patch\n*** Delete File: a\n*** End Patch"
	tests := []struct {
		name           string
		argv           []string
		patch, workdir string
		ok             bool
	}{
		{"direct", []string{"apply_patch", body}, body, "", true},
		{"direct applypatch", []string{"applypatch", body}, body, "", true},
		{"bash quoted", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body + "\nEOF\n"}, body, "", true},
		{"sh unquoted", []string{"sh", "-c", "apply_patch <<EOF\n" + body + "\nEOF"}, body, "", true},
		{"zsh double quoted other delimiter", []string{"/bin/zsh", "-lc", "applypatch << \"PATCH\"\n" + body + "\nPATCH\n"}, body, "", true},
		{"cd", []string{"bash", "-lc", "cd src/app && apply_patch <<'EOF'\n" + body + "\nEOF"}, body, "src/app", true},
		{"cd quoted", []string{"bash", "-lc", "cd 'my dir' && apply_patch <<'EOF'\n" + body + "\nEOF"}, body, "my dir", true},
		{"no space before heredoc", []string{"bash", "-lc", "apply_patch<<'EOF'\n" + body + "\nEOF"}, body, "", true},
		{"trailing command", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body + "\nEOF\necho done"}, "", "", false},
		{"leading command", []string{"bash", "-lc", "echo hi; apply_patch <<'EOF'\n" + body + "\nEOF"}, "", "", false},
		{"cd with ;", []string{"bash", "-lc", "cd x; apply_patch <<'EOF'\n" + body + "\nEOF"}, "", "", false},
		{"cd with $", []string{"bash", "-lc", "cd $HOME && apply_patch <<'EOF'\n" + body + "\nEOF"}, "", "", false},
		{"unterminated", []string{"bash", "-lc", "apply_patch <<'EOF'\n" + body}, "", "", false},
		{"other shell flag", []string{"bash", "-x", "apply_patch <<'EOF'\n" + body + "\nEOF"}, "", "", false},
		{"other command", []string{"bash", "-lc", "cat <<'EOF'\n" + body + "\nEOF"}, "", "", false},
		{"here string", []string{"bash", "-lc", "apply_patch <<< x"}, "", "", false},
		{"plain command", []string{"ls", "-la"}, "", "", false},
		{"fish", []string{"fish", "-c", "apply_patch <<'EOF'\n" + body + "\nEOF"}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, w, ok := ExtractFromShell(tt.argv)
			if p != tt.patch || w != tt.workdir || ok != tt.ok {
				t.Errorf("ExtractFromShell = %q, %q, %v; want %q, %q, %v", p, w, ok, tt.patch, tt.workdir, tt.ok)
			}
		})
	}
}
