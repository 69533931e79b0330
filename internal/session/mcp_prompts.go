package session

import (
	"context"
	"errors"

	"github.com/kodex-cli/kodex/internal/mcp"
)

// MCPPrompts lists the prompts of the session's MCP servers that are ready
// (none without servers). A server that could not list its prompts is left
// out; the errors are joined.
func (s *Session) MCPPrompts(ctx context.Context) ([]mcp.Prompt, error) {
	list, errs := s.mcp.Prompts(ctx)
	return list, errors.Join(errs...)
}

// MCPPrompt gets prompt name of MCP server server filled with args: the text
// to send as the user's message.
func (s *Session) MCPPrompt(ctx context.Context, server, name string, args map[string]string) (string, error) {
	return s.mcp.GetPrompt(ctx, server, name, args)
}
