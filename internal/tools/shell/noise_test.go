package shell

import "testing"

func TestDropProfileNoise(t *testing.T) {
	t.Parallel()
	noisy := "pyenv: cannot rehash: /home/me/.pyenv/shims isn't writable\nhello\nrbenv: cannot rehash: /r/shims isn't writable\n"
	for _, c := range []struct {
		argv []string
		in   string
		want string
	}{
		{[]string{"bash", "-lc", "echo hello"}, noisy, "hello\n"},
		{[]string{"/bin/zsh", "-l", "-c", "x"}, noisy, "hello\n"},
		{[]string{"bash", "--login", "-c", "x"}, noisy, "hello\n"},
		{[]string{"bash", "-c", "x"}, noisy, noisy},     // not a login shell: its profile did not run
		{[]string{"python3", "-lc", "x"}, noisy, noisy}, // not a shell
		{[]string{"bash", "-lc", "x"}, "pyenv: cannot rehash: it failed\nerror: real\n", "pyenv: cannot rehash: it failed\nerror: real\n"},
		{[]string{"bash", "-lc", "x"}, "say pyenv: cannot rehash: /x isn't writable\n", "say pyenv: cannot rehash: /x isn't writable\n"},
	} {
		if got := dropProfileNoise(c.argv, c.in); got != c.want {
			t.Errorf("dropProfileNoise(%q, %q) = %q, want %q", c.argv, c.in, got, c.want)
		}
	}
}
