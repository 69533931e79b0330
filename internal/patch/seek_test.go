package patch

import "testing"

func TestSeekSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		lines, pattern []string
		start          int
		eof            bool
		want           int
	}{
		{"exact", []string{"foo", "bar", "baz"}, []string{"bar", "baz"}, 0, false, 1},
		{"from start", []string{"a", "b", "a"}, []string{"a"}, 1, false, 2},
		{"rstrip", []string{"foo   ", "bar\t\t"}, []string{"foo", "bar"}, 0, false, 0},
		{"trim", []string{"    foo   ", "   bar\t"}, []string{"foo", "bar"}, 0, false, 0},
		{"unicode", []string{"a \u2014 b\u00a0c \u201cq\u201d \u2018s\u2019"}, []string{`a - b c "q" 's'`}, 0, false, 0},
		{"exact beats earlier fuzzy", []string{"x ", "x"}, []string{"x"}, 0, false, 1},
		{"eof prefers end", []string{"x", "y", "x"}, []string{"x"}, 0, true, 2},
		{"eof falls back", []string{"x", "y"}, []string{"x"}, 0, true, 0},
		{"too long", []string{"one"}, []string{"a", "b", "c"}, 0, false, -1},
		{"empty pattern", []string{"a"}, nil, 1, false, 1},
		{"start past end", []string{"a"}, []string{"a"}, 5, false, -1},
		{"missing", []string{"a"}, []string{"b"}, 0, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := seekSequence(tt.lines, tt.pattern, tt.start, tt.eof); got != tt.want {
				t.Errorf("seekSequence = %d, want %d", got, tt.want)
			}
		})
	}
}
