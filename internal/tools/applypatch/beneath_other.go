//go:build !linux

package applypatch

import "io/fs"

func beneathReadFile(root, rel string) ([]byte, error) { return checkedReadFile(root, rel) }

func beneathStat(root, rel string) (fs.FileInfo, error) { return checkedStat(root, rel) }

func beneathWriteFile(root, rel string, data []byte, perm fs.FileMode) error {
	return checkedWriteFile(root, rel, data, perm)
}

func beneathRemove(root, rel string) error { return checkedRemove(root, rel) }

func beneathMkdirAll(root, rel string, perm fs.FileMode) error {
	return checkedMkdirAll(root, rel, perm)
}
