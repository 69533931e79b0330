package openai

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kodex-cli/kodex/internal/model"
)

// body is an encoded request. A small one is held whole; a large one (a
// long conversation, a resumed session of many megabytes) is its envelope
// only, and its input items (chat messages) are encoded as they are sent, so that a request
// never costs a second copy of the conversation in memory: what would be
// 16 MB of history and 16–32 MB of body is the history and a few KB. Its
// length is counted first (Content-Length), which encodes the items twice.
type body struct {
	whole      []byte
	head, tail []byte                                  // around the input: …"input":[ and ],… (or "messages")
	n          int                                     // the pieces of input between them
	piece      func(dst []byte, i int) ([]byte, error) // appends piece i
	size       int64
}

// streamAbove is the size of the input items (their text, roughly) above
// which a request is encoded as it is sent.
const streamAbove = 2 << 20

func (c *Client) encode(req *model.Request) (*body, error) {
	large := inputSize(req.Input) > streamAbove
	if c.opts.WireAPI == WireChat {
		cb := chatBody(req)
		if !large {
			return wholeBody(marshal(cb))
		}
		msgs := cb.Messages
		cb.Messages = []chatMessage{}
		return streamedBody(cb, "messages", len(msgs), func(dst []byte, i int) ([]byte, error) { return appendChatMessage(dst, &msgs[i]) })
	}
	rb := responsesBody(req)
	if !large {
		return wholeBody(marshal(rb))
	}
	rb.Input = []respItem{}
	return streamedBody(rb, "input", len(req.Input), func(dst []byte, i int) ([]byte, error) { return appendRespItem(dst, &req.Input[i]) })
}

func wholeBody(b []byte, err error) (*body, error) {
	if err != nil {
		return nil, err
	}
	return &body{whole: b, size: int64(len(b))}, nil
}

// streamedBody is the body of envelope (whose field is an empty array)
// with n pieces in that array; it counts their length.
func streamedBody(envelope any, field string, n int, piece func([]byte, int) ([]byte, error)) (*body, error) {
	env, err := marshal(envelope)
	if err != nil {
		return nil, err
	}
	// The field's name cannot occur earlier: the fields before it are
	// strings, whose quotes are escaped.
	i := bytes.Index(env, []byte(`"`+field+`":[]`))
	if i < 0 {
		return nil, fmt.Errorf("no %s field in %.40q", field, env)
	}
	i += len(field) + 4
	b := &body{head: env[:i], tail: env[i:], n: n, piece: piece}
	b.size = int64(len(env))
	pe := newPieceEncoder()
	for i := range n {
		enc, err := pe.encode(b, i)
		if err != nil {
			return nil, err
		}
		b.size += int64(len(enc))
	}
	return b, nil
}

// pieceEncoder encodes a body's pieces, each with the comma before it,
// into one buffer it reuses (see wirejson.go): a conversation of many
// megabytes is encoded with next to no garbage.
type pieceEncoder struct{ buf []byte }

func newPieceEncoder() *pieceEncoder { return &pieceEncoder{} }

// encode returns piece i of b, valid until the next call.
func (pe *pieceEncoder) encode(b *body, i int) ([]byte, error) {
	pe.buf = pe.buf[:0]
	if i > 0 {
		pe.buf = append(pe.buf, ',')
	}
	var err error
	if pe.buf, err = b.piece(pe.buf, i); err != nil {
		return nil, fmt.Errorf("encoding input item %d: %w", i, err)
	}
	return pe.buf, nil
}

// inputSize is about how many bytes items take encoded, without encoding
// them.
func inputSize(items []model.Item) int {
	n := 0
	for i := range items {
		it := &items[i]
		n += len(it.Arguments) + len(it.Input) + len(it.Output) + len(it.EncryptedContent) + 64
		for _, p := range it.Content {
			n += len(p.Text) + len(p.ImageURL)
		}
		for _, p := range it.Summary {
			n += len(p.Text)
		}
	}
	return n
}

// reader returns a reader of the whole body, from its start.
func (b *body) reader() io.Reader {
	if b.whole != nil {
		return bytes.NewReader(b.whole)
	}
	return &itemsReader{b: b, cur: b.head}
}

// itemsReader encodes a streamed body's pieces one at a time as it is
// read.
type itemsReader struct {
	b    *body
	pe   *pieceEncoder
	cur  []byte // what is left of the current piece
	next int    // the next piece to encode; b.n: the tail is next
	done bool
}

func (r *itemsReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.done:
			return 0, io.EOF
		case r.next == r.b.n:
			r.cur, r.done = r.b.tail, true
		default:
			if r.pe == nil {
				r.pe = newPieceEncoder()
			}
			enc, err := r.pe.encode(r.b, r.next)
			if err != nil {
				return 0, err
			}
			r.cur = enc
			r.next++
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
