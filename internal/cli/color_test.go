package cli

import "testing"

func TestUseColor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		mode string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"auto on a terminal", "auto", true, nil, true},
		{"auto piped", "auto", false, nil, false},
		{"auto with NO_COLOR", "auto", true, map[string]string{"NO_COLOR": "1"}, false},
		{"auto with NO_COLOR empty", "auto", true, map[string]string{"NO_COLOR": ""}, false},
		{"auto on a dumb terminal", "auto", true, map[string]string{"TERM": "dumb"}, false},
		{"always piped with NO_COLOR", "always", false, map[string]string{"NO_COLOR": "1"}, true},
		{"never on a terminal", "never", true, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &Factory{
				IO:     &IOStreams{StderrTTY: tt.tty},
				Getenv: func(k string) string { return tt.env[k] },
				LookupEnv: func(k string) (string, bool) {
					v, ok := tt.env[k]
					return v, ok
				},
			}
			if got := useColor(f, tt.mode); got != tt.want {
				t.Errorf("useColor(%q) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
}

func TestCheckColor(t *testing.T) {
	t.Parallel()
	for mode, ok := range map[string]bool{"auto": true, "always": true, "never": true, "": false, "yes": false, "Always": false} {
		if err := checkColor(mode); (err == nil) != ok {
			t.Errorf("checkColor(%q) = %v, want ok=%v", mode, err, ok)
		}
	}
}
