// Package prompts owns custom prompts: the Markdown files in
// $KODEX_HOME/prompts that the interactive UI offers as slash commands, with
// Codex's rules (docs/prompts.md of openai/codex, and its prompt_args.rs):
//
//   - Every regular file NAME.md (case-insensitive extension) is the command
//     /NAME; the files are listed by name. A file that is not UTF-8 is skipped.
//   - Optional front matter between two "---" lines sets description and
//     argument-hint (or argument_hint); other keys are ignored, and the
//     front matter is not part of the prompt.
//   - Named placeholders $NAME ([A-Z][A-Z0-9_]*, except $ARGUMENTS) make
//     every argument a NAME=value pair and every name required.
//   - Otherwise $1…$9 are the positional arguments (empty when missing) and
//     $ARGUMENTS all of them joined by single spaces.
//   - Arguments split as a POSIX shell does ("a b" and 'a b' are one).
//   - $$ stays $$, and what follows it is not a placeholder, as in Codex
//     ("$$USER" is sent as "$$USER").
//
// The package reads files and expands text; it knows nothing of the UI or
// the session, and it must not run anything.
package prompts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Prompt is one custom prompt.
type Prompt struct {
	Name         string // the command without its slash: the file name without .md
	Path         string
	Description  string // from the front matter; "" if none
	ArgumentHint string // from the front matter; "" if none
	Body         string // the text sent, front matter removed
}

// maxFile bounds what is read of one prompt file.
const maxFile = 1 << 20

// Load reads the custom prompts in dir, sorted by name. A missing directory
// has none. Files that cannot be read, are too large or are not UTF-8 are
// skipped and reported in skipped (one line each, naming the file).
func Load(dir string) (list []Prompt, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading custom prompts: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), filepath.Ext(e.Name()))
		if !ok || !strings.EqualFold(filepath.Ext(e.Name()), ".md") || name == "" || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		switch {
		case err != nil:
			skipped = append(skipped, fmt.Sprintf("%s: %v", path, err))
			continue
		case len(b) > maxFile:
			skipped = append(skipped, fmt.Sprintf("%s: larger than %d bytes", path, maxFile))
			continue
		case !utf8.Valid(b):
			skipped = append(skipped, path+": not UTF-8 text")
			continue
		}
		p := Parse(name, string(b))
		p.Path = path
		list = append(list, p)
	}
	slices.SortFunc(list, func(a, b Prompt) int { return strings.Compare(a.Name, b.Name) })
	return list, skipped, nil
}

// Parse builds the prompt called name from a file's content, reading and
// removing its front matter. Unterminated front matter is part of the body.
func Parse(name, content string) Prompt {
	p := Prompt{Name: name, Body: content}
	lines := strings.Split(content, "\n")
	if strings.TrimSpace(lines[0]) != "---" {
		return p
	}
	for i, line := range lines[1:] {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "---" {
			p.Body = strings.Join(lines[i+2:], "\n")
			return p
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = unquote(strings.TrimSpace(v))
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "description":
			p.Description = v
		case "argument-hint", "argument_hint":
			p.ArgumentHint = v
		}
	}
	return Prompt{Name: name, Body: content}
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// Summary is what the slash popup shows for the prompt: its description,
// else the start of its first non-empty line; then its argument hint.
func (p Prompt) Summary() string {
	s := p.Description
	if s == "" {
		for line := range strings.SplitSeq(p.Body, "\n") {
			if line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#")); line != "" {
				s = line
				break
			}
		}
	}
	if p.ArgumentHint != "" {
		s = strings.TrimSpace(s + " " + p.ArgumentHint)
	}
	return s
}
