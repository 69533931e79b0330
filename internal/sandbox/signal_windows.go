package sandbox

import "os/exec"

func exitSignal(*exec.ExitError) (int, bool) { return 0, false }
