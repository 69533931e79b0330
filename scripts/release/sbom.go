package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// spdxDoc is the subset of an SPDX 2.3 JSON document the SBOM uses.
type spdxDoc struct {
	SPDXVersion       string        `json:"spdxVersion"`
	DataLicense       string        `json:"dataLicense"`
	SPDXID            string        `json:"SPDXID"`
	Name              string        `json:"name"`
	DocumentNamespace string        `json:"documentNamespace"`
	CreationInfo      spdxCreation  `json:"creationInfo"`
	Packages          []spdxPackage `json:"packages"`
	Relationships     []spdxRel     `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string    `json:"name"`
	SPDXID           string    `json:"SPDXID"`
	VersionInfo      string    `json:"versionInfo"`
	DownloadLocation string    `json:"downloadLocation"`
	FilesAnalyzed    bool      `json:"filesAnalyzed"`
	LicenseConcluded string    `json:"licenseConcluded"`
	LicenseDeclared  string    `json:"licenseDeclared"`
	CopyrightText    string    `json:"copyrightText"`
	Comment          string    `json:"comment,omitempty"`
	ExternalRefs     []spdxRef `json:"externalRefs"`
}

type spdxRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRel struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

var spdxIDChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// sbom writes kodex_VERSION.spdx.json: kodex, the Go toolchain and every
// module linked into any of the binaries (read from their build info, as
// `go version -m` shows it), with the targets a module is linked into when
// not all of them.
func (r *release) sbom(bins map[target][]byte) error {
	type mod struct {
		path, version, sum string
		targets            []string
	}
	mods := map[string]*mod{}
	goVersion := ""
	for _, t := range r.targets {
		bi, err := buildinfo.Read(bytes.NewReader(bins[t]))
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		goVersion = bi.GoVersion
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			k := d.Path + "@" + d.Version
			if mods[k] == nil {
				mods[k] = &mod{path: d.Path, version: d.Version, sum: d.Sum}
			}
			mods[k].targets = append(mods[k].targets, t.String())
		}
	}
	const root = "SPDXRef-Package-kodex"
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              "kodex-" + r.version,
		DocumentNamespace: "https://github.com/kodex-cli/kodex/releases/v" + r.version + "/sbom-" + r.commit,
		CreationInfo: spdxCreation{
			Created:  r.epoch.Format("2006-01-02T15:04:05Z"),
			Creators: []string{"Tool: kodex-scripts-release", "Organization: kodex-cli"},
		},
		Packages: []spdxPackage{
			pkg(root, "github.com/kodex-cli/kodex", "v"+r.version, "https://github.com/kodex-cli/kodex", "commit "+r.commit),
			pkg("SPDXRef-Package-go-stdlib", "stdlib", goVersion, "https://go.dev/dl/", "the Go standard library and runtime"),
		},
		Relationships: []spdxRel{
			{"SPDXRef-DOCUMENT", "DESCRIBES", root},
			{root, "DEPENDS_ON", "SPDXRef-Package-go-stdlib"},
		},
	}
	doc.Packages[0].LicenseDeclared = spdxLicense
	doc.Packages[1].ExternalRefs[0].Locator = "pkg:golang/stdlib@" + strings.Replace(goVersion, "go", "v", 1)
	keys := make([]string, 0, len(mods))
	for k := range mods {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		m := mods[k]
		id := fmt.Sprintf("SPDXRef-Package-%d-%s", i, strings.Trim(spdxIDChars.ReplaceAllString(m.path, "-"), "-"))
		var notes []string
		if m.sum != "" {
			notes = append(notes, "go.sum "+m.sum)
		}
		if len(m.targets) < len(r.targets) {
			notes = append(notes, "linked into "+strings.Join(m.targets, ", ")+" only")
		}
		doc.Packages = append(doc.Packages, pkg(id, m.path, m.version, "https://proxy.golang.org/"+m.path+"/@v/"+m.version+".zip", strings.Join(notes, "; ")))
		doc.Relationships = append(doc.Relationships, spdxRel{root, "DEPENDS_ON", id})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.out, "kodex_"+r.version+".spdx.json"), append(b, '\n'), 0o644)
}

func pkg(id, path, version, download, comment string) spdxPackage {
	return spdxPackage{
		Name: path, SPDXID: id, VersionInfo: version, DownloadLocation: download,
		LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION", CopyrightText: "NOASSERTION",
		Comment: comment,
		ExternalRefs: []spdxRef{{
			Category: "PACKAGE-MANAGER", Type: "purl", Locator: "pkg:golang/" + path + "@" + version,
		}},
	}
}
