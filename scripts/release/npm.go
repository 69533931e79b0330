package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	npmScope = "@kodex-cli"
	repoURL  = "https://github.com/kodex-cli/kodex"
)

// npmPlatform is Node's name for a target: process.platform-process.arch.
func npmPlatform(t target) (goos, cpu string) {
	goos, cpu = t.OS, t.Arch
	if goos == "windows" {
		goos = "win32"
	}
	if cpu == "amd64" {
		cpu = "x64"
	}
	return goos, cpu
}

// npm writes npm/*.tgz in the layout `npm pack` gives (package/…): one
// package per platform carrying the binary (os and cpu set, so npm installs
// only the matching one) and the main package @kodex-cli/kodex, whose
// launcher (packaging/npm/kodex.js) runs that binary. This is the scheme
// esbuild and Codex use.
func (r *release) npm(bins map[target][]byte) error {
	dir := filepath.Join(r.out, "npm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(r.src, "README.md"))
	if err != nil {
		return err
	}
	optional := map[string]string{}
	for _, t := range r.targets {
		goos, cpu := npmPlatform(t)
		name := npmScope + "/kodex-" + goos + "-" + cpu
		optional[name] = r.version
		manifest := map[string]any{
			"name":        name,
			"version":     r.version,
			"description": fmt.Sprintf("The %s %s binary of kodex, installed by %s/kodex.", goos, cpu, npmScope),
			"license":     spdxLicense,
			"repository":  map[string]string{"type": "git", "url": "git+" + repoURL + ".git"},
			"homepage":    repoURL,
			"os":          []string{goos},
			"cpu":         []string{cpu},
			"files":       []string{"bin"},
		}
		pkgReadme := fmt.Sprintf("# %s\n\nThe %s/%s binary of [kodex](%s). Install `%s/kodex` instead: it picks this package on this platform.\n", name, goos, cpu, repoURL, npmScope)
		files := []entry{
			{name: "package/bin/" + t.exe(), exec: true, data: bins[t]},
			{name: "package/README.md", data: []byte(pkgReadme)},
		}
		if err := r.npmPack(dir, name, manifest, files); err != nil {
			return err
		}
	}
	launcher, err := os.ReadFile(filepath.Join(r.src, "packaging", "npm", "kodex.js"))
	if err != nil {
		return err
	}
	manifest := map[string]any{
		"name":                 npmScope + "/kodex",
		"version":              r.version,
		"description":          "kodex, a local AI coding agent: one static binary, commands in an OS sandbox.",
		"license":              spdxLicense,
		"repository":           map[string]string{"type": "git", "url": "git+" + repoURL + ".git"},
		"homepage":             repoURL,
		"bin":                  map[string]string{"kodex": "bin/kodex.js"},
		"files":                []string{"bin"},
		"engines":              map[string]string{"node": ">=16"},
		"optionalDependencies": optional,
	}
	return r.npmPack(dir, npmScope+"/kodex", manifest, []entry{
		{name: "package/bin/kodex.js", exec: true, data: launcher},
		{name: "package/README.md", data: readme},
	})
}

// npmPack writes name's tarball as npm pack names it (@s/n → s-n-V.tgz).
func (r *release) npmPack(dir, name string, manifest map[string]any, files []entry) error {
	b, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return err
	}
	files = append(files, entry{name: "package/package.json", data: append(b, '\n')})
	file := strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "-") + "-" + r.version + ".tgz"
	return writeArchive(filepath.Join(dir, file), files, r.epoch)
}
