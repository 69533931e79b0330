package shell

import (
	"errors"
	"os"
)

// openPTY: kodex has no pseudo-console support on Windows yet; exec_command
// with tty=true says so and the model can use pipes (tty=false).
func openPTY() (*os.File, *os.File, error) {
	return nil, nil, errors.New("terminals (tty=true) are not supported on Windows; use tty=false")
}
