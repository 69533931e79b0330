package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// maxElicitFields bounds the fields of a server's form kodex shows.
const maxElicitFields = 50

// elicitationHandler answers a server's elicitation/create: a form
// ("form" mode, a flat object schema) goes to opts.Elicit as an
// McpElicitationRequest; a URL to visit ("url" mode), a schema kodex cannot
// show, or no Elicit at all is declined.
func elicitationHandler(server string, elicit func(context.Context, protocol.McpElicitationRequest) protocol.McpElicitationResponse) func(context.Context, *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
	return func(ctx context.Context, req *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
		decline := &sdk.ElicitResult{Action: protocol.ElicitDecline}
		if elicit == nil || req == nil || req.Params == nil || req.Params.Mode == "url" || req.Params.URL != "" {
			return decline, nil
		}
		fields, err := formFields(req.Params.RequestedSchema)
		if err != nil {
			return decline, nil
		}
		r := elicit(ctx, protocol.McpElicitationRequest{Server: server, Message: req.Params.Message, Fields: fields})
		res := &sdk.ElicitResult{Action: r.Action}
		if r.Action == protocol.ElicitAccept {
			res.Content = r.Content
		}
		return res, nil
	}
}

// formFields reads a form's flat object schema, keeping the properties'
// order as far as it reaches kodex (see below).
func formFields(schema any) ([]protocol.McpElicitField, error) {
	raw, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	var top struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("reading the form's schema: %w", err)
	}
	required := map[string]bool{}
	for _, r := range top.Required {
		required[r] = true
	}
	if len(bytes.TrimSpace(top.Properties)) == 0 {
		return nil, nil // a confirmation without fields
	}
	dec := json.NewDecoder(bytes.NewReader(top.Properties))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("the form's properties are not an object")
	}
	var out []protocol.McpElicitField
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		var p struct {
			Type        string   `json:"type"`
			Title       string   `json:"title"`
			Description string   `json:"description"`
			Format      string   `json:"format"`
			Enum        []string `json:"enum"`
			EnumNames   []string `json:"enumNames"` // the legacy titles of Enum
			OneOf       []struct {
				Const string `json:"const"`
				Title string `json:"title"`
			} `json:"oneOf"`
			Items *struct {
				Enum  []string `json:"enum"`
				AnyOf []struct {
					Const string `json:"const"`
					Title string `json:"title"`
				} `json:"anyOf"`
			} `json:"items"`
			Default any `json:"default"`
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("reading field %q of the form: %w", name, err)
		}
		if len(out) == maxElicitFields {
			return nil, fmt.Errorf("the form has more than %d fields", maxElicitFields)
		}
		f := protocol.McpElicitField{Name: name, Title: p.Title, Description: p.Description, Type: p.Type, Format: p.Format, Enum: p.Enum, Required: required[name], Default: p.Default}
		if len(p.EnumNames) == len(p.Enum) {
			f.EnumTitles = p.EnumNames
		}
		for _, o := range p.OneOf {
			f.Enum, f.EnumTitles = append(f.Enum, o.Const), append(f.EnumTitles, o.Title)
		}
		if p.Type == "array" && p.Items != nil {
			f.Enum = p.Items.Enum
			for _, o := range p.Items.AnyOf {
				f.Enum, f.EnumTitles = append(f.Enum, o.Const), append(f.EnumTitles, o.Title)
			}
		}
		switch f.Type {
		case "string", "number", "integer", "boolean", "array":
		default:
			return nil, fmt.Errorf("field %q has type %q, which a form cannot ask for", name, f.Type)
		}
		out = append(out, f)
	}
	// The SDK hands the schema over as a map, so the server's order is
	// lost (the fields come sorted by name): the required ones go first.
	slices.SortStableFunc(out, func(a, b protocol.McpElicitField) int {
		switch {
		case a.Required == b.Required:
			return 0
		case a.Required:
			return -1
		}
		return 1
	})
	return out, nil
}
