package protocol

// An MCP server may ask the user for input in the middle of a tool call
// (MCP elicitation, "form" mode): kodex shows the form when a person can
// answer (the TUI) and declines otherwise.

// McpElicitationRequest asks the user to fill a server's form. Answer with
// an McpElicitationResponse carrying the same RequestID.
type McpElicitationRequest struct {
	RequestID string           `json:"request_id"`
	Server    string           `json:"server"`
	Message   string           `json:"message"`
	Fields    []McpElicitField `json:"fields,omitempty"`
}

// McpElicitField is one field of the form: a string (with a format, or one
// of Enum, whose labels EnumTitles may give), a number, an integer or a
// boolean.
type McpElicitField struct {
	Name        string   `json:"name"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"` // string, number, integer, boolean
	Format      string   `json:"format,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	EnumTitles  []string `json:"enum_titles,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Default     any      `json:"default,omitempty"`
}

// Elicitation answers.
const (
	ElicitAccept  = "accept"
	ElicitDecline = "decline"
	ElicitCancel  = "cancel"
)

// McpElicitationResponse answers an McpElicitationRequest: accept with the
// form's values, decline, or cancel.
type McpElicitationResponse struct {
	RequestID string         `json:"request_id"`
	Action    string         `json:"action"`
	Content   map[string]any `json:"content,omitempty"`
}

func (McpElicitationRequest) EventType() string { return "mcp_elicitation_request" }

func (McpElicitationResponse) OpType() string { return "mcp_elicitation_response" }
