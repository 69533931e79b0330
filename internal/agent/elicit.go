package agent

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Elicit shows an MCP server's form (req, whose RequestID is set here) and
// waits for the answer. Without a frontend that answers forms it declines
// at once and says so, so that nothing waits on an answer that cannot
// come; the server, and through it the model, is told it was declined.
func (s *Session) Elicit(ctx context.Context, req protocol.McpElicitationRequest) protocol.McpElicitationResponse {
	if !s.opts.AnswersElicitation {
		s.emit("", protocol.Warning{Message: fmt.Sprintf("MCP server %s asked for input (%q); declined: only the interactive UI can answer it.", req.Server, req.Message)})
		return protocol.McpElicitationResponse{Action: protocol.ElicitDecline}
	}
	ch := make(chan protocol.McpElicitationResponse, 1)
	s.mu.Lock()
	s.elicitN++
	req.RequestID = "elicit-" + strconv.Itoa(s.elicitN)
	s.elicits[req.RequestID] = ch
	s.mu.Unlock()
	s.emit("", req)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.elicits, req.RequestID)
		s.mu.Unlock()
		return protocol.McpElicitationResponse{RequestID: req.RequestID, Action: protocol.ElicitCancel}
	}
}

// answerElicitation delivers a form's answer to the server waiting for it.
func (s *Session) answerElicitation(subID string, r protocol.McpElicitationResponse) {
	s.mu.Lock()
	ch, ok := s.elicits[r.RequestID]
	delete(s.elicits, r.RequestID)
	s.mu.Unlock()
	if !ok {
		s.emit(subID, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "bad_op", Message: fmt.Sprintf("no MCP form is pending for request %q", r.RequestID)}})
		return
	}
	switch r.Action {
	case protocol.ElicitAccept, protocol.ElicitDecline, protocol.ElicitCancel:
	default:
		r.Action = protocol.ElicitCancel
	}
	ch <- r // buffered
}
