package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// kind is the TOML type of a node.
type kind uint8

const (
	kString kind = iota + 1
	kBool
	kInt
	kFloat
	kDatetime
	kArray
	kTable
)

func (k kind) String() string {
	switch k {
	case kString:
		return "a string"
	case kBool:
		return "a boolean"
	case kInt:
		return "an integer"
	case kFloat:
		return "a float"
	case kDatetime:
		return "a date-time"
	case kArray:
		return "an array"
	case kTable:
		return "a table"
	}
	return "nothing"
}

// originKind is the layer a value came from.
type originKind uint8

const (
	oDefault originKind = iota
	oEnv
	oFile
	oProject
	oOverride
	oFlag
)

// origin says where a value came from: a layer, and a line for files.
type origin struct {
	kind    originKind
	name    string // file path, "-c" text, flag name or env var
	line    int
	profile string // set when the value reached the config through a profile
}

// where is the position used in error messages.
func (o origin) where() string {
	switch o.kind {
	case oFile, oProject:
		if o.line > 0 {
			return fmt.Sprintf("%s:%d", o.name, o.line)
		}
		return o.name
	case oOverride:
		return "-c " + o.name
	case oFlag:
		return "flag " + o.name
	case oEnv:
		return "env " + o.name
	case oDefault:
	}
	return "default"
}

// String is the provenance shown by `kodex config show`.
func (o origin) String() string {
	s := o.where()
	if o.kind == oProject {
		s = "project " + s
	}
	if o.profile != "" {
		s = fmt.Sprintf("profile %s (%s)", o.profile, s)
	}
	return s
}

// node is a parsed TOML value that remembers where it came from.
type node struct {
	kind  kind
	str   string // kString; the literal text for kDatetime
	b     bool
	i     int64
	f     float64
	raw   string // -c values: the text as typed, so `-c model=4.1` can be a string
	items []*node
	keys  []string // kTable, in insertion order
	tbl   map[string]*node
	org   origin
	// header is set on tables opened by a [header], to reject a second one.
	header bool
}

func newTable(org origin) *node {
	return &node{kind: kTable, tbl: map[string]*node{}, org: org}
}

func (n *node) get(k string) *node {
	if n == nil || n.kind != kTable {
		return nil
	}
	return n.tbl[k]
}

func (n *node) set(k string, v *node) {
	if _, ok := n.tbl[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.tbl[k] = v
}

func (n *node) del(k string) {
	if _, ok := n.tbl[k]; !ok {
		return
	}
	delete(n.tbl, k)
	n.keys = removeString(n.keys, k)
}

func removeString(ss []string, s string) []string {
	out := ss[:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// lookup follows a key path through tables.
func (n *node) lookup(path ...string) *node {
	for _, k := range path {
		n = n.get(k)
	}
	return n
}

// clone deep-copies tables and arrays; scalars are never mutated and are
// copied too so that origins can be rewritten.
func (n *node) clone() *node {
	c := *n
	if n.items != nil {
		c.items = make([]*node, len(n.items))
		for i, it := range n.items {
			c.items[i] = it.clone()
		}
	}
	if n.kind == kTable {
		c.keys = append([]string(nil), n.keys...)
		c.tbl = make(map[string]*node, len(n.tbl))
		for k, v := range n.tbl {
			c.tbl[k] = v.clone()
		}
	}
	return &c
}

// walk calls f on n and every node below it.
func (n *node) walk(f func(*node)) {
	f(n)
	for _, it := range n.items {
		it.walk(f)
	}
	for _, k := range n.keys {
		n.tbl[k].walk(f)
	}
}

// merge lays src over dst: tables merge key by key, anything else replaces.
func merge(dst, src *node) {
	for _, k := range src.keys {
		s := src.tbl[k]
		if d := dst.tbl[k]; d != nil && d.kind == kTable && s.kind == kTable {
			merge(d, s)
			continue
		}
		dst.set(k, s.clone())
	}
}

// parseDocument parses a TOML document into a table. Syntax errors and
// duplicate keys are returned positioned by org.
func parseDocument(data []byte, org origin) (*node, error) {
	b := &builder{data: data, org: org, lines: lineStarts(data)}
	root := newTable(org)
	cur := root
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			path, line := b.keyPath(e.Key())
			t, err := b.openTable(root, path, line, e.Kind == unstable.ArrayTable)
			if err != nil {
				return nil, err
			}
			cur = t
		case unstable.KeyValue:
			if err := b.keyValue(cur, e); err != nil {
				return nil, err
			}
		}
	}
	if err := p.Error(); err != nil {
		return nil, b.syntaxError(err)
	}
	return root, nil
}

type builder struct {
	data  []byte
	org   origin
	lines []int // offsets at which lines start
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func (b *builder) lineOf(off int) int {
	return sort.Search(len(b.lines), func(i int) bool { return b.lines[i] > off })
}

func (b *builder) at(line int) origin {
	o := b.org
	o.line = line
	return o
}

func (b *builder) errorf(line int, format string, args ...any) error {
	return &FieldError{Where: b.at(line).where(), Msg: fmt.Sprintf(format, args...)}
}

func (b *builder) syntaxError(err error) error {
	line := 0
	var perr *unstable.ParserError
	if errors.As(err, &perr) && perr.Highlight != nil {
		off := cap(b.data) - cap(perr.Highlight)
		if off >= 0 && off <= len(b.data) {
			line = b.lineOf(off)
		}
	}
	return b.errorf(line, "invalid TOML: %v", err)
}

func (b *builder) keyPath(it unstable.Iterator) (path []string, line int) {
	for it.Next() {
		k := it.Node()
		if line == 0 {
			line = b.lineOf(int(k.Raw.Offset))
		}
		path = append(path, string(k.Data))
	}
	return path, line
}

// openTable finds or creates the table a [header] or [[header]] names.
func (b *builder) openTable(root *node, path []string, line int, array bool) (*node, error) {
	t := root
	for i, k := range path {
		last := i == len(path)-1
		next := t.tbl[k]
		switch {
		case next == nil && last && array:
			next = &node{kind: kArray, org: b.at(line)}
			t.set(k, next)
		case next == nil:
			next = newTable(b.at(line))
			t.set(k, next)
		}
		if last && array {
			if next.kind != kArray {
				return nil, b.errorf(line, "%s is already %s, not an array of tables", joinKey(path), next.kind)
			}
			tt := newTable(b.at(line))
			tt.header = true
			next.items = append(next.items, tt)
			return tt, nil
		}
		if next.kind == kArray && len(next.items) > 0 && next.items[len(next.items)-1].kind == kTable {
			next = next.items[len(next.items)-1]
		}
		if next.kind != kTable {
			return nil, b.errorf(line, "%s is already %s, not a table", joinKey(path[:i+1]), next.kind)
		}
		if last {
			if next.header {
				return nil, b.errorf(line, "table [%s] is defined twice", joinKey(path))
			}
			next.header = true
			next.org = b.at(line)
		}
		t = next
	}
	return t, nil
}

// keyValue adds `a.b.c = v` to table t.
func (b *builder) keyValue(t *node, e *unstable.Node) error {
	path, line := b.keyPath(e.Key())
	for _, k := range path[:len(path)-1] {
		next := t.tbl[k]
		if next == nil {
			next = newTable(b.at(line))
			t.set(k, next)
		}
		if next.kind != kTable {
			return b.errorf(line, "%s is already %s, not a table", k, next.kind)
		}
		t = next
	}
	last := path[len(path)-1]
	if _, dup := t.tbl[last]; dup {
		return b.errorf(line, "duplicate key %q", joinKey(path))
	}
	v, err := b.value(e.Value(), line)
	if err != nil {
		return err
	}
	t.set(last, v)
	return nil
}

func (b *builder) value(v *unstable.Node, line int) (*node, error) {
	n := &node{org: b.at(line)}
	switch v.Kind {
	case unstable.String:
		n.kind, n.str = kString, string(v.Data)
	case unstable.Bool:
		n.kind, n.b = kBool, string(v.Data) == "true"
	case unstable.Integer:
		i, err := strconv.ParseInt(string(v.Data), 0, 64)
		if err != nil {
			return nil, b.errorf(line, "integer %s out of range", v.Data)
		}
		n.kind, n.i = kInt, i
	case unstable.Float:
		f, err := parseFloat(string(v.Data))
		if err != nil {
			return nil, b.errorf(line, "bad float %s", v.Data)
		}
		n.kind, n.f = kFloat, f
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		n.kind, n.str = kDatetime, string(v.Data)
	case unstable.Array:
		n.kind = kArray
		n.items = []*node{}
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			item, err := b.value(c, line)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
	case unstable.InlineTable:
		n = newTable(b.at(line))
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			if err := b.keyValue(n, c); err != nil {
				return nil, err
			}
		}
	default:
		return nil, b.errorf(line, "unexpected %s value", v.Kind)
	}
	return n, nil
}

func parseFloat(s string) (float64, error) {
	s = strings.ReplaceAll(s, "_", "")
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

// render writes v as a TOML value.
func render(n *node) string {
	var sb strings.Builder
	renderTo(&sb, n)
	return sb.String()
}

func renderTo(sb *strings.Builder, n *node) {
	switch n.kind {
	case kString:
		sb.WriteString(quote(n.str))
	case kBool:
		sb.WriteString(strconv.FormatBool(n.b))
	case kInt:
		sb.WriteString(strconv.FormatInt(n.i, 10))
	case kFloat:
		sb.WriteString(formatFloat(n.f))
	case kDatetime:
		sb.WriteString(n.str)
	case kArray:
		sb.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				sb.WriteString(", ")
			}
			renderTo(sb, it)
		}
		sb.WriteByte(']')
	case kTable:
		sb.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte(' ')
			sb.WriteString(quoteKey(k))
			sb.WriteString(" = ")
			renderTo(sb, n.tbl[k])
		}
		if len(n.keys) > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteByte('}')
	}
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// quote renders s as a TOML basic string.
func quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\b':
			sb.WriteString(`\b`)
		case '\t':
			sb.WriteString(`\t`)
		case '\n':
			sb.WriteString(`\n`)
		case '\f':
			sb.WriteString(`\f`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&sb, `\u%04X`, r)
			} else {
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func quoteKey(k string) string {
	if isBareKey(k) {
		return k
	}
	return quote(k)
}

// joinKey renders a key path as a dotted TOML key.
func joinKey(path []string) string {
	parts := make([]string, len(path))
	for i, k := range path {
		parts[i] = quoteKey(k)
	}
	return strings.Join(parts, ".")
}
