package openai

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kodex-cli/kodex/internal/model"
)

// body is an encoded request. A small one is held whole; a large one (a
// long conversation, a resumed session of many megabytes) is its envelope
// only, and its input items are encoded as they are sent, so that a request
// never costs a second copy of the conversation in memory: what would be
// 16 MB of history and 16–32 MB of body is the history and a few KB. Its
// length is counted first (Content-Length), which encodes the items twice.
type body struct {
	whole      []byte
	head, tail []byte // around the input items: …"input":[ and ],…
	items      []model.Item
	size       int64
}

// streamAbove is the size of the input items (their text, roughly) above
// which a Responses request is encoded as it is sent.
const streamAbove = 2 << 20

func (c *Client) encode(req *model.Request) (*body, error) {
	if c.opts.WireAPI == WireChat {
		b, err := marshal(chatBody(req))
		return &body{whole: b, size: int64(len(b))}, err
	}
	rb := responsesBody(req)
	if inputSize(req.Input) <= streamAbove {
		b, err := marshal(rb)
		return &body{whole: b, size: int64(len(b))}, err
	}
	rb.Input = []respItem{}
	env, err := marshal(rb)
	if err != nil {
		return nil, err
	}
	// The field's name cannot occur earlier: the fields before it are
	// strings, whose quotes are escaped.
	i := bytes.Index(env, []byte(`"input":[]`))
	if i < 0 {
		return nil, fmt.Errorf("no input field in %.40q", env)
	}
	i += len(`"input":[`)
	b := &body{head: env[:i], tail: env[i:], items: req.Input}
	b.size = int64(len(env)) + int64(max(len(req.Input)-1, 0)) // the commas
	for _, it := range req.Input {
		enc, err := respItem(it).MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.size += int64(len(enc))
	}
	return b, nil
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

// itemsReader encodes a streamed body's items one at a time as it is read.
type itemsReader struct {
	b    *body
	cur  []byte // what is left of the current piece
	next int    // the next item to encode; len(items): the tail is next
	done bool
}

func (r *itemsReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.done:
			return 0, io.EOF
		case r.next == len(r.b.items):
			r.cur, r.done = r.b.tail, true
		default:
			// What json.Marshal would write: MarshalJSON's output is
			// compact and not HTML-escaped already.
			enc, err := respItem(r.b.items[r.next]).MarshalJSON()
			if err != nil {
				return 0, fmt.Errorf("encoding input item %d: %w", r.next, err)
			}
			if r.next > 0 {
				enc = append(enc, 0) // room for the comma before it
				copy(enc[1:], enc)
				enc[0] = ','
			}
			r.cur = enc
			r.next++
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
