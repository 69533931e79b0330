// Package sse decodes text/event-stream (Server-Sent Events) as specified by
// the WHATWG HTML standard, section 9.2: "event:", "data:" (several data lines
// are joined with "\n"), "id:", "retry:" and comment lines; LF, CRLF and lone
// CR line endings; and a leading UTF-8 byte-order mark.
//
// It owns only the framing: it does not interpret event payloads, reconnect,
// or do any I/O besides reading the io.Reader it is given. Lines and events
// are bounded (see [Decoder.MaxEventSize]) so a hostile or broken server
// cannot make the decoder buffer without limit. It imports only the standard
// library.
package sse

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"strconv"
	"time"
)

// DefaultMaxEventSize bounds one line and one event's data unless
// [Decoder.MaxEventSize] says otherwise.
const DefaultMaxEventSize = 8 << 20

// ErrTooLarge is returned when a line or an event's data exceeds the
// decoder's MaxEventSize.
var ErrTooLarge = errors.New("sse: event too large")

// Event is one dispatched event.
type Event struct {
	// Type is the "event:" field; empty means the default type, "message".
	Type string
	// Data is the event's data lines joined with "\n".
	Data string
	// ID is the last event ID seen so far in the stream (it persists across
	// events, as the standard says).
	ID string
	// Retry is the reconnection time from a "retry:" field in this event,
	// or 0 if it had none.
	Retry time.Duration
}

// Decoder reads events from a stream. It is not safe for concurrent use.
type Decoder struct {
	// MaxEventSize bounds the length of one line and of one event's data, in
	// bytes. Zero means DefaultMaxEventSize. Set it before the first Next.
	MaxEventSize int

	r       io.Reader
	buf     []byte // unread bytes are buf[start:end]
	start   int
	end     int
	rerr    error // sticky error from r
	started bool  // BOM handled
	skipLF  bool  // previous line ended in CR: drop a following LF

	typ     string
	data    []byte
	hasData bool
	lastID  string
	retry   time.Duration
}

// NewDecoder returns a decoder reading from r. It buffers its reads.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r}
}

func (d *Decoder) max() int {
	if d.MaxEventSize > 0 {
		return d.MaxEventSize
	}
	return DefaultMaxEventSize
}

// Next returns the next event. At the end of the stream it returns io.EOF; an
// event that was not terminated by a blank line before the end is discarded,
// as the standard requires. Other errors come from the reader, or are
// ErrTooLarge. After an error, Next keeps returning it.
func (d *Decoder) Next() (Event, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := d.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := d.field(line); err != nil {
			d.rerr = err
			return Event{}, err
		}
	}
}

// All returns an iterator over the remaining events. It ends at the end of
// the stream, or after yielding a non-nil error.
func (d *Decoder) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			ev, err := d.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

func (d *Decoder) dispatch() (Event, bool) {
	if !d.hasData {
		d.typ, d.retry = "", 0
		return Event{}, false
	}
	ev := Event{Type: d.typ, Data: string(d.data), ID: d.lastID, Retry: d.retry}
	d.typ, d.data, d.hasData, d.retry = "", d.data[:0], false, 0
	return ev, true
}

func (d *Decoder) field(line []byte) error {
	if line[0] == ':' {
		return nil // comment
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "event":
		d.typ = string(value)
	case "data":
		if d.hasData {
			if len(d.data)+1+len(value) > d.max() {
				return ErrTooLarge
			}
			d.data = append(d.data, '\n')
		}
		d.data = append(d.data, value...)
		d.hasData = true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			d.lastID = string(value)
		}
	case "retry":
		if len(value) > 0 && allDigits(value) {
			if ms, err := strconv.ParseInt(string(value), 10, 64); err == nil && ms < int64(1<<62)/int64(time.Millisecond) {
				d.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	return nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readLine returns the next line without its terminator. The slice is valid
// until the next call.
func (d *Decoder) readLine() ([]byte, error) {
	for {
		if d.skipLF && d.start < d.end {
			if d.buf[d.start] == '\n' {
				d.start++
			}
			d.skipLF = false
		}
		if !d.started && d.end-d.start >= 3 {
			d.started = true
			if bytes.HasPrefix(d.buf[d.start:d.end], []byte("\xEF\xBB\xBF")) {
				d.start += 3
			}
		}
		if d.started {
			b := d.buf[d.start:d.end]
			search := b
			lf := bytes.IndexByte(b, '\n')
			if lf >= 0 {
				search = b[:lf]
			}
			if cr := bytes.IndexByte(search, '\r'); cr >= 0 {
				line := b[:cr]
				if cr+1 < len(b) && b[cr+1] == '\n' {
					d.start += cr + 2
				} else {
					d.start += cr + 1
					d.skipLF = true // an LF may follow in the next read
				}
				return line, nil
			}
			if lf >= 0 {
				d.start += lf + 1
				return b[:lf], nil
			}
			if len(b) > d.max() {
				d.rerr = ErrTooLarge
				return nil, d.rerr
			}
		}
		if d.rerr != nil {
			if !d.started {
				// Fewer than 3 bytes in the whole stream: a BOM cannot fit
				// with a line after it; process what is there.
				d.started = true
				if bytes.HasPrefix(d.buf[d.start:d.end], []byte("\xEF\xBB")) && d.end-d.start == 2 {
					d.start = d.end
				}
				continue
			}
			return nil, d.rerr
		}
		d.fill()
	}
}

// fill reads more bytes into the buffer, growing it up to the size bound.
func (d *Decoder) fill() {
	if d.start > 0 {
		d.end = copy(d.buf, d.buf[d.start:d.end])
		d.start = 0
	}
	if d.end == len(d.buf) {
		n := 2 * len(d.buf)
		if n == 0 {
			n = 4096
		}
		if limit := d.max() + 2; n > limit {
			n = max(limit, d.end+1)
		}
		nb := make([]byte, n)
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for range 100 {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	d.rerr = io.ErrNoProgress
}
