package main

import "runtime"

// isDarwin: darwin reports ru_maxrss in bytes, Linux in KiB.
const isDarwin = runtime.GOOS == "darwin"
