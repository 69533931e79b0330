package config

import (
	"encoding/json"
	"io"
	"strings"
)

// WriteShow writes every effective setting for `kodex config show`: as
// aligned `key = value  # origin` lines after a `# warning: …` line for each
// of c.Warnings, or with jsonOut as one JSON object {"profile", "user_file",
// "project_files", "warnings": [string], "settings": [{key, value, origin}]}.
func (c *Config) WriteShow(w io.Writer, jsonOut bool) error {
	warnings := make([]string, len(c.Warnings))
	for i, e := range c.Warnings {
		warnings[i] = e.Error()
	}
	if jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		settings := c.settings
		if settings == nil {
			settings = []Setting{}
		}
		return enc.Encode(struct {
			Profile      string    `json:"profile,omitempty"`
			UserFile     string    `json:"user_file"`
			ProjectFiles []string  `json:"project_files,omitempty"`
			Warnings     []string  `json:"warnings,omitempty"`
			Settings     []Setting `json:"settings"`
		}{c.Profile, c.UserFile, c.Project.Files, warnings, settings})
	}
	// Align the origins, except after the few very long lines.
	const maxAlign = 64
	width := 0
	for _, s := range c.settings {
		if n := len(s.Key) + 3 + len(s.Value); n <= maxAlign {
			width = max(width, n)
		}
	}
	var sb strings.Builder
	for _, warning := range warnings {
		sb.WriteString("# warning: ")
		sb.WriteString(warning)
		sb.WriteByte('\n')
	}
	for _, s := range c.settings {
		line := s.Key + " = " + s.Value
		sb.WriteString(line)
		sb.WriteString(strings.Repeat(" ", max(width-len(line), 0)+2))
		sb.WriteString("# ")
		sb.WriteString(s.Origin)
		sb.WriteByte('\n')
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
