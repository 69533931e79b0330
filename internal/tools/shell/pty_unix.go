//go:build unix

package shell

import (
	"os"

	"github.com/creack/pty"
)

// openPTY opens a pseudo-terminal of 24×80 and returns its master and slave.
func openPTY() (*os.File, *os.File, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		_ = master.Close()
		_ = slave.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
