// Package jsonrpc is JSON-RPC 2.0 as JSON lines: one message per line, in
// both directions, the framing of Codex's app server (and of ACP). The
// "jsonrpc" member is written on every message and optional on the ones
// read, as Codex's clients omit it.
//
// It owns the message shapes, the standard error codes and the framing
// (a line bounded in size; a malformed line is an error the caller answers
// with ParseError and goes on). It knows nothing of methods: the app
// server and ACP frontends dispatch them.
package jsonrpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Standard error codes.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
)

// Version is the protocol member written on every message.
const Version = "2.0"

// Error is a JSON-RPC error object; it is also a Go error.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Code) }

// Errorf makes an Error with a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Message is any JSON-RPC message: a request (Method and ID), a
// notification (Method, no ID), or a response (ID with Result or Error).
type Message struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// IsRequest reports whether m is a request (expects a response).
func (m *Message) IsRequest() bool { return m.Method != "" && len(m.ID) > 0 }

// IsNotification reports whether m is a notification.
func (m *Message) IsNotification() bool { return m.Method != "" && len(m.ID) == 0 }

// IsResponse reports whether m answers a request.
func (m *Message) IsResponse() bool { return m.Method == "" && len(m.ID) > 0 }

// MaxLine bounds one message read: a larger line is refused (and skipped).
const MaxLine = 64 << 20

// ErrLineTooLong is returned (wrapped) for a line over MaxLine.
var ErrLineTooLong = errors.New("message larger than the limit")

// Reader reads messages, one per line.
type Reader struct {
	r *bufio.Reader
}

// NewReader reads messages from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Read returns the next message. A line that is not a JSON-RPC message
// returns a *Error with CodeParseError (or CodeInvalidRequest) and the
// reader stays usable; io.EOF ends the stream. Blank lines are skipped.
func (r *Reader) Read() (*Message, error) {
	for {
		line, err := r.line()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		return Parse(line)
	}
}

func (r *Reader) line() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.r.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLine {
			// Skip to the end of the line, then report it.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.r.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("%v (%d MiB)", ErrLineTooLong, MaxLine>>20)}
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return buf, nil
		default:
			return nil, err
		}
	}
}

// Parse decodes one message.
func Parse(b []byte) (*Message, error) {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' && json.Valid(t) {
		return nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: batches are not supported; send one message per line"}
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &Error{Code: CodeParseError, Message: "parse error: " + err.Error()}
	}
	if m.JSONRPC != "" && m.JSONRPC != Version {
		return nil, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("jsonrpc %q: only %q is spoken", m.JSONRPC, Version)}
	}
	if m.Method == "" && len(m.ID) == 0 {
		return nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: neither a method nor an id"}
	}
	if len(m.ID) > 0 && !validID(m.ID) {
		return nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: id must be a string or a number"}
	}
	return &m, nil
}

func validID(id json.RawMessage) bool {
	switch id[0] {
	case '"':
		var s string
		return json.Unmarshal(id, &s) == nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		return json.Unmarshal(id, &n) == nil
	}
	return false
}

// Writer writes messages, one per line, each with a single Write call on
// the underlying writer (a message transport can send each call as one
// message); it is safe for concurrent use and never interleaves two
// messages. A write blocks while the peer is slow:
// nothing is buffered without bound or dropped.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewWriter writes messages to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write sends m. After the first failed write every write fails with the
// same error (the peer is gone).
func (w *Writer) Write(m *Message) error {
	m.JSONRPC = Version
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding a message: %w", err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Notify sends a notification.
func (w *Writer) Notify(method string, params any) error {
	p, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", method, err)
	}
	return w.Write(&Message{Method: method, Params: p})
}

// Request sends a request with id.
func (w *Writer) Request(id json.RawMessage, method string, params any) error {
	p, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", method, err)
	}
	return w.Write(&Message{ID: id, Method: method, Params: p})
}

// Reply answers the request id with result, or with err when it is not
// nil (a *Error keeps its code; another error is an internal error).
func (w *Writer) Reply(id json.RawMessage, result any, err error) error {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			re = &Error{Code: CodeInternalError, Message: err.Error()}
		}
		return w.Write(&Message{ID: id, Error: re})
	}
	r, merr := json.Marshal(result)
	if merr != nil {
		return w.Write(&Message{ID: id, Error: &Error{Code: CodeInternalError, Message: merr.Error()}})
	}
	return w.Write(&Message{ID: id, Result: r})
}
