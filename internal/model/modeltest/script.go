package modeltest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
)

// Response is one scripted answer. The zero value is an empty, successful
// response. A normal response streams, in this order, a reasoning item
// (Reasoning), an assistant message (Text, in word-sized deltas) and the tool
// calls (Calls), then completes with Usage. The fault fields change that:
// Status answers with an HTTP error instead of a stream; Failed and
// Incomplete end the stream with response.failed / response.incomplete (on
// the chat wire: an error chunk / finish_reason "length"); Cut, Stall and
// Malformed break the stream after CutAfter events.
type Response struct {
	Reasoning string       `json:"reasoning,omitempty"`
	Text      string       `json:"text,omitempty"`
	Calls     []Call       `json:"calls,omitempty"`
	Usage     *model.Usage `json:"usage,omitempty"` // nil: estimated from the sizes
	// EchoToolOutput appends the request's last tool output to Text.
	EchoToolOutput bool `json:"echo_tool_output,omitempty"`

	// Status, if non-zero, answers with this HTTP status and Body (default:
	// an OpenAI error JSON built from Error), plus RetryAfter and Headers.
	// Headers are sent with a stream too.
	Status     int               `json:"status,omitempty"`
	Body       string            `json:"body,omitempty"`
	Error      *Failure          `json:"error,omitempty"`
	RetryAfter string            `json:"retry_after,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`

	Failed     *Failure `json:"failed,omitempty"`     // end with response.failed
	Incomplete string   `json:"incomplete,omitempty"` // end with response.incomplete, this reason

	// Cut closes the stream cleanly after CutAfter events, without the
	// final event. Stall stops sending after CutAfter events but holds the
	// connection open until the client goes away. Malformed sends a broken
	// event after CutAfter events and closes.
	Cut       bool `json:"cut,omitempty"`
	Stall     bool `json:"stall,omitempty"`
	Malformed bool `json:"malformed,omitempty"`
	CutAfter  int  `json:"cut_after,omitempty"`
	// DelayMS waits this long before each event (a slow stream).
	DelayMS int `json:"delay_ms,omitempty"`

	// Compaction and CompactOutput answer a request to the compaction
	// endpoint (POST /v1/responses/compact), which takes its response from
	// the script like the other paths: by default its output is the user
	// messages of the request's input (text only, as the server keeps
	// them) and a compaction item whose encrypted_content is Compaction
	// (default "modeltest-compaction:" + Text, or
	// "modeltest-compaction-N" for request N without Text). CompactOutput,
	// if set, is the output instead, item by item as given. Status and
	// Func work as for any response; the stream fields are not used.
	Compaction    string            `json:"compaction,omitempty"`
	CompactOutput []json.RawMessage `json:"compact_output,omitempty"`

	// Func, if set, computes the response from the request (not in JSON).
	Func func(*Request) Response `json:"-"`
}

// Failure is a provider error code and message.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

// Call is a scripted tool call: a function call (Arguments, JSON text) or,
// with Custom, a custom tool call (Input, free text). In JSON scripts
// "arguments" may be given as an object.
type Call struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments,omitempty"`
	Custom    bool   `json:"custom,omitempty"`
	Input     string `json:"input,omitempty"`
	CallID    string `json:"call_id,omitempty"` // default: derived from the request number
}

// UnmarshalJSON accepts "arguments" as a JSON string or as any JSON value.
func (c *Call) UnmarshalJSON(data []byte) error {
	type plain Call
	var raw struct {
		plain
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = Call(raw.plain)
	if len(raw.Arguments) > 0 {
		var s string
		if json.Unmarshal(raw.Arguments, &s) == nil {
			c.Arguments = s
		} else {
			c.Arguments = string(raw.Arguments)
		}
	}
	return nil
}

// Text returns a response that answers text.
func Text(text string) Response { return Response{Text: text} }

// Calls returns a response that makes these tool calls.
func Calls(calls ...Call) Response { return Response{Calls: calls} }

// FunctionCall returns a function call with JSON arguments.
func FunctionCall(name, args string) Call { return Call{Name: name, Arguments: args} }

// CustomCall returns a custom (freeform) tool call.
func CustomCall(name, input string) Call { return Call{Name: name, Custom: true, Input: input} }

// HTTPError returns a response with this status and an OpenAI error body.
func HTTPError(status int, code, message string) Response {
	return Response{Status: status, Error: &Failure{Code: code, Message: message}}
}

// RateLimited returns a 429 with a Retry-After header.
func RateLimited(retryAfter string) Response {
	r := HTTPError(429, "rate_limit_exceeded", "Rate limit reached")
	r.RetryAfter = retryAfter
	return r
}

// Failed returns a response that ends with response.failed.
func Failed(code, message string) Response {
	return Response{Failed: &Failure{Code: code, Message: message}}
}

// CutAfter returns r cut cleanly after n events.
func CutAfter(n int, r Response) Response { r.Cut, r.CutAfter = true, n; return r }

// StallAfter returns r that stops sending after n events and holds the
// connection open until the client gives up.
func StallAfter(n int, r Response) Response { r.Stall, r.CutAfter = true, n; return r }

// MalformedAfter returns r with a malformed event after n events.
func MalformedAfter(n int, r Response) Response { r.Malformed, r.CutAfter = true, n; return r }

// Compacted returns a response for the compaction endpoint: the request's
// user messages and a compaction item holding encrypted.
func Compacted(encrypted string) Response { return Response{Compaction: encrypted} }

// Func returns a response computed from the request.
func Func(f func(*Request) Response) Response { return Response{Func: f} }

// ShellThenAnswer is a stateless response for looping scripts: if the
// request ends with a tool output it answers answer, otherwise it calls the
// shell tool with argv.
func ShellThenAnswer(argv []string, answer string) Response {
	args, _ := json.Marshal(map[string]any{"command": argv})
	return Func(func(r *Request) Response {
		if r.EndsWithToolOutput() {
			return Text(answer)
		}
		return Calls(FunctionCall("shell", string(args)))
	})
}

// Script is a list of responses, served in order (or round and round, with
// Loop). Its JSON form is {"loop": false, "responses": [...]} or just the
// array.
type Script struct {
	Loop      bool       `json:"loop,omitempty"`
	Responses []Response `json:"responses"`
}

// ParseScript decodes a JSON script.
func ParseScript(data []byte) (Script, error) {
	var s Script
	var err error
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		err = json.Unmarshal(data, &s.Responses)
	} else {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		err = dec.Decode(&s)
	}
	if err != nil {
		return Script{}, fmt.Errorf("decoding model script: %w", err)
	}
	return s, nil
}

// LoadScript reads a JSON script file.
func LoadScript(path string) (Script, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Script{}, fmt.Errorf("reading model script: %w", err)
	}
	s, err := ParseScript(data)
	if err != nil {
		return Script{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
