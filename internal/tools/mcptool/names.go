package mcptool

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
)

// maxNameLen is the longest tool name the providers accept.
const maxNameLen = 64

// QualifiedName is the name the model sees for tool on server:
// mcp__<server>__<tool>, with every character outside [a-zA-Z0-9_-]
// replaced by '_' and, when longer than 64 characters, cut and given a
// hash suffix of the full name so that names stay distinct.
func QualifiedName(server, tool string) string {
	full := "mcp__" + server + "__" + tool
	name := sanitize(full)
	if len(name) <= maxNameLen {
		return name
	}
	return name[:maxNameLen-9] + "_" + hash8(full)
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

func hash8(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:4])
}

// schemaKey reports whether k is a JSON Schema keyword kept for the
// providers' function-schema subset (Responses and Chat Completions).
func schemaKey(k string) bool {
	switch k {
	case "type", "description", "properties", "required", "items", "enum", "additionalProperties", "anyOf", "title":
		return true
	}
	return false
}

// SanitizeSchema turns an MCP tool's input schema into one the providers
// accept as function parameters: an object at the top, every schema with
// a type (inferred where missing), a single type where a list was given,
// and only the keywords of the function-schema subset.
func SanitizeSchema(raw []byte) json.RawMessage {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		v = map[string]any{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	s := sanitizeNode(m)
	if s["type"] != "object" {
		s = map[string]any{"type": "object", "properties": map[string]any{}}
	}
	if _, ok := s["properties"]; !ok {
		s["properties"] = map[string]any{}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return b
}

func sanitizeNode(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		if !schemaKey(k) {
			continue
		}
		switch k {
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				continue
			}
			o := map[string]any{}
			for name, p := range props {
				if pm, ok := p.(map[string]any); ok {
					o[name] = sanitizeNode(pm)
				} else {
					o[name] = map[string]any{"type": "string"}
				}
			}
			out[k] = o
		case "items":
			if im, ok := v.(map[string]any); ok {
				out[k] = sanitizeNode(im)
			} else {
				out[k] = map[string]any{"type": "string"}
			}
		case "additionalProperties":
			switch a := v.(type) {
			case bool:
				out[k] = a
			case map[string]any:
				out[k] = sanitizeNode(a)
			}
		case "anyOf":
			list, ok := v.([]any)
			if !ok {
				continue
			}
			var o []any
			for _, x := range list {
				if xm, ok := x.(map[string]any); ok {
					o = append(o, sanitizeNode(xm))
				}
			}
			if len(o) > 0 {
				out[k] = o
			}
		case "type":
			out[k] = singleType(v)
		case "required":
			if _, ok := v.([]any); ok {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	if _, ok := out["anyOf"]; ok {
		return out
	}
	if t, _ := out["type"].(string); t == "" {
		out["type"] = inferType(out)
	}
	if out["type"] == "array" {
		if _, ok := out["items"]; !ok {
			out["items"] = map[string]any{"type": "string"}
		}
	}
	if out["type"] == "object" {
		if _, ok := out["properties"]; !ok {
			out["properties"] = map[string]any{}
		}
	}
	return out
}

// singleType picks one type from a type list: the first that is not
// "null".
func singleType(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
	}
	return ""
}

func inferType(s map[string]any) string {
	switch {
	case s["properties"] != nil || s["additionalProperties"] != nil:
		return "object"
	case s["items"] != nil:
		return "array"
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		switch e[0].(type) {
		case float64:
			return "number"
		case bool:
			return "boolean"
		}
	}
	return "string"
}
