package openai

import (
	"strconv"
	"unicode/utf8"

	"github.com/kodex-cli/kodex/internal/model"
)

// The input items of a streamed body (see body.go) are appended to a
// buffer the reader reuses, by hand, byte for byte as encoding/json writes
// them without HTML escaping (tests compare the two): encoding/json's own
// buffers come from a sync.Pool, which a GC empties, and then grow by
// append from nothing, several times a string's size in garbage.

// appendRespItem appends the Responses API encoding of it (what
// respItem.MarshalJSON writes).
func appendRespItem(dst []byte, it *model.Item) ([]byte, error) {
	start := len(dst)
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, string(it.Type))
	id := func(dst []byte) []byte {
		if it.ID != "" {
			dst = append(dst, `,"id":`...)
			dst = appendJSONString(dst, it.ID)
		}
		return dst
	}
	switch it.Type {
	case model.ItemMessage:
		dst = id(dst)
		dst = appendField(dst, "role", it.Role)
		dst = append(dst, `,"content":`...)
		dst = appendParts(dst, it.Content)
	case model.ItemFunctionCall:
		dst = id(dst)
		dst = appendField(dst, "name", it.Name)
		dst = appendField(dst, "arguments", it.Arguments)
		dst = appendField(dst, "call_id", it.CallID)
	case model.ItemCustomToolCall:
		dst = id(dst)
		dst = appendField(dst, "call_id", it.CallID)
		dst = appendField(dst, "name", it.Name)
		dst = appendField(dst, "input", it.Input)
	case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
		dst = appendField(dst, "call_id", it.CallID)
		dst = appendField(dst, "output", it.Output)
	case model.ItemReasoning:
		dst = id(dst)
		dst = append(dst, `,"summary":`...)
		dst = appendParts(dst, it.Summary)
		if it.EncryptedContent != "" {
			dst = appendField(dst, "encrypted_content", it.EncryptedContent)
		}
	default:
		b, err := marshal(respItem(*it).wire())
		return append(dst[:start], b...), err
	}
	return append(dst, '}'), nil
}

// appendParts appends the encoding of parts(ps) (an array, even empty).
func appendParts(dst []byte, ps []model.ContentPart) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, p.Type)
		if p.Type == model.PartInputImage {
			if p.ImageURL != "" {
				dst = appendField(dst, "image_url", p.ImageURL)
			}
		} else {
			dst = appendField(dst, "text", p.Text)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendChatMessage appends the encoding of m.
func appendChatMessage(dst []byte, m *chatMessage) ([]byte, error) {
	dst = append(dst, `{"role":`...)
	dst = appendJSONString(dst, m.Role)
	switch c := m.Content.(type) {
	case nil:
	case string:
		dst = appendField(dst, "content", c)
	case []chatPart:
		dst = append(dst, `,"content":`...)
		if c == nil {
			dst = append(dst, "null"...)
			break
		}
		dst = append(dst, '[')
		for i, p := range c {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"type":`...)
			dst = appendJSONString(dst, p.Type)
			if p.Text != "" {
				dst = appendField(dst, "text", p.Text)
			}
			if p.ImageURL != nil {
				dst = append(dst, `,"image_url":{"url":`...)
				dst = appendJSONString(dst, p.ImageURL.URL)
				dst = append(dst, '}')
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	default:
		b, err := marshal(c)
		if err != nil {
			return dst, err
		}
		dst = append(dst, `,"content":`...)
		dst = append(dst, b...)
	}
	if len(m.ToolCalls) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i, tc := range m.ToolCalls {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			first := true
			sep := func() {
				if !first {
					dst = append(dst, ',')
				}
				first = false
			}
			if tc.Index != nil {
				sep()
				dst = append(dst, `"index":`...)
				dst = strconv.AppendInt(dst, int64(*tc.Index), 10)
			}
			if tc.ID != "" {
				sep()
				dst = append(dst, `"id":`...)
				dst = appendJSONString(dst, tc.ID)
			}
			if tc.Type != "" {
				sep()
				dst = append(dst, `"type":`...)
				dst = appendJSONString(dst, tc.Type)
			}
			sep()
			dst = append(dst, `"function":{`...)
			if tc.Function.Name != "" {
				dst = append(dst, `"name":`...)
				dst = appendJSONString(dst, tc.Function.Name)
				dst = append(dst, ',')
			}
			dst = append(dst, `"arguments":`...)
			dst = appendJSONString(dst, tc.Function.Arguments)
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	if m.ToolCallID != "" {
		dst = appendField(dst, "tool_call_id", m.ToolCallID)
	}
	return append(dst, '}'), nil
}

func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, value)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it with SetEscapeHTML(false): \b \f \n \r \t and \uXXXX for the
// other control characters, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
