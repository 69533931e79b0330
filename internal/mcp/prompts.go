package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Prompt is a prompt an MCP server offers: the user picks it (in the TUI,
// /mcp__SERVER__NAME), kodex fills its arguments and sends what the server
// makes of them as the user's message.
type Prompt struct {
	Server, Name, Description string
	Args                      []PromptArg
}

// PromptArg is one of a prompt's arguments.
type PromptArg struct {
	Name, Description string
	Required          bool
}

// maxPrompts bounds the prompts listed from one server.
const maxPrompts = 200

// Prompts lists the prompts of the servers that are ready now (a server
// still starting or failed is left out, with no wait), in server order. A
// server that fails to list them is left out too; its error is in errs.
func (m *Manager) Prompts(ctx context.Context) (out []Prompt, errs []error) {
	if m == nil {
		return nil, nil
	}
	for _, s := range m.servers {
		select {
		case <-s.done:
		default:
			continue // not ready yet: no wait
		}
		_, cs, err := m.ready(ctx, s.cfg.Name)
		if err != nil || !hasPrompts(cs) {
			continue
		}
		n := 0
		for p, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				errs = append(errs, fmt.Errorf("listing the prompts of MCP server %s: %w", s.cfg.Name, err))
				break
			}
			if n++; n > maxPrompts {
				break
			}
			pr := Prompt{Server: s.cfg.Name, Name: p.Name, Description: p.Description}
			for _, a := range p.Arguments {
				if a != nil {
					pr.Args = append(pr.Args, PromptArg{Name: a.Name, Description: a.Description, Required: a.Required})
				}
			}
			out = append(out, pr)
		}
	}
	return out, errs
}

// GetPrompt asks server for its prompt name filled with args and returns
// the text of its messages, in order: what the user sends. Content that is
// not text (an image, audio) is named in brackets; an embedded resource's
// text is included.
func (m *Manager) GetPrompt(ctx context.Context, server, name string, args map[string]string) (string, error) {
	if m == nil {
		return "", fmt.Errorf("%w %q", ErrUnknownServer, server)
	}
	_, cs, err := m.ready(ctx, server)
	if err != nil {
		return "", err
	}
	res, err := cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: name, Arguments: args})
	if err != nil {
		return "", fmt.Errorf("getting prompt %s from MCP server %s: %w", name, server, err)
	}
	var parts []string
	for _, msg := range res.Messages {
		if msg == nil {
			continue
		}
		switch c := msg.Content.(type) {
		case *sdk.TextContent:
			parts = append(parts, c.Text)
		case *sdk.EmbeddedResource:
			if c.Resource != nil && c.Resource.Text != "" {
				parts = append(parts, c.Resource.Text)
			} else if c.Resource != nil {
				parts = append(parts, "["+c.Resource.URI+"]")
			}
		case *sdk.ImageContent:
			parts = append(parts, "[an image from "+server+"]")
		case *sdk.AudioContent:
			parts = append(parts, "[audio from "+server+"]")
		case *sdk.ResourceLink:
			parts = append(parts, "["+c.URI+"]")
		}
	}
	text := strings.TrimSpace(strings.Join(parts, "\n\n"))
	if text == "" {
		return "", fmt.Errorf("prompt %s of MCP server %s is empty", name, server)
	}
	return text, nil
}

func hasPrompts(cs *sdk.ClientSession) bool {
	r := cs.InitializeResult()
	return r == nil || r.Capabilities == nil || r.Capabilities.Prompts != nil
}
