package proc

import "testing"

func TestNSInitIgnoring(t *testing.T) {
	t.Parallel()
	const (
		sigterm = 15
		catches = "SigCgt:\t0000000000004000\n" // bit 14: SIGTERM
		none    = "SigCgt:\t0000000000000000\n"
	)
	tests := []struct {
		name, status string
		want         bool
	}{
		{"a namespace's init catching nothing", "Name:\tkodex\nNSpid:\t4242\t1\n" + none, true},
		{"a namespace's init catching SIGTERM", "NSpid:\t4242\t1\n" + catches, false},
		{"a process of our namespace", "NSpid:\t4242\n" + none, false},
		{"our own init", "NSpid:\t1\n" + none, false},
		{"not init of the namespace below", "NSpid:\t4242\t7\n" + none, false},
		{"no NSpid (an old kernel)", none, false},
		{"an unreadable mask", "NSpid:\t4242\t1\nSigCgt:\tzz\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := nsInitIgnoring([]byte(tt.status), sigterm); got != tt.want {
				t.Errorf("nsInitIgnoring(%q) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}
