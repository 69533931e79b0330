package sandbox

func fileID(string) (dev, ino uint64, ok bool) { return 0, 0, false }
