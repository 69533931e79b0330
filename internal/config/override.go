package config

import (
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// parseOverride parses one `-c key=value` into a layer holding that single
// value. The key is a dotted TOML key; the value is parsed as a TOML value
// and, if that fails, taken as a string, so `-c model=gpt-5` works unquoted.
func parseOverride(s string) (*node, error) {
	path, v, err := splitOverride(s)
	if err != nil {
		return nil, err
	}
	return wrap(path, v, v.org), nil
}

// splitOverride parses `key=value` into the key path and the value.
func splitOverride(s string) ([]string, *node, error) {
	org := origin{kind: oOverride, name: s}
	fail := func(format string, args ...any) error {
		return &FieldError{Where: org.where(), Msg: fmt.Sprintf(format, args...)}
	}
	eq := keyEnd(s)
	if eq < 0 {
		return nil, nil, fail("want key=value")
	}
	path, err := parseKey(s[:eq])
	if err != nil {
		return nil, nil, fail("bad key %q: %v", strings.TrimSpace(s[:eq]), err)
	}
	return path, parseValue(strings.TrimSpace(s[eq+1:]), org), nil
}

// keyEnd returns the index of the first '=' outside a quoted key part.
func keyEnd(s string) int {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '"' && c == '\\':
			i++
		case q != 0 && c == q:
			q = 0
		case q != 0:
		case c == '"' || c == '\'':
			q = c
		case c == '=':
			return i
		}
	}
	return -1
}

// parseKey parses a dotted TOML key such as `projects."/src/x".trust_level`.
func parseKey(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty key")
	}
	doc := []byte(s + " = 0")
	var p unstable.Parser
	p.Reset(doc)
	if !p.NextExpression() {
		if err := p.Error(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("not a key")
	}
	e := p.Expression()
	if e.Kind != unstable.KeyValue {
		return nil, fmt.Errorf("not a key")
	}
	var path []string
	it := e.Key()
	for it.Next() {
		path = append(path, string(it.Node().Data))
	}
	if p.NextExpression() || p.Error() != nil {
		return nil, fmt.Errorf("not a single key")
	}
	return path, nil
}

// parseValue parses s as one TOML value, or else takes it as a string.
// Scalars remember their text in raw, for string-typed keys.
func parseValue(s string, org origin) *node {
	str := &node{kind: kString, str: s, raw: s, org: org}
	doc := []byte("v = " + s)
	var p unstable.Parser
	p.Reset(doc)
	if !p.NextExpression() {
		return str
	}
	e := p.Expression()
	if e.Kind != unstable.KeyValue {
		return str
	}
	b := &builder{data: doc, org: org, lines: []int{0}}
	v, err := b.value(e.Value(), 0)
	if err != nil || p.NextExpression() || p.Error() != nil {
		return str
	}
	if v.kind != kArray && v.kind != kTable {
		v.raw = s
	}
	v.walk(func(n *node) { n.org = org })
	return v
}

// wrap nests v under path: wrap([a b], v) is {a = {b = v}}.
func wrap(path []string, v *node, org origin) *node {
	root := newTable(org)
	t := root
	for _, k := range path[:len(path)-1] {
		next := newTable(org)
		t.set(k, next)
		t = next
	}
	t.set(path[len(path)-1], v)
	return root
}

// flagLayer turns a FlagOverride into a layer.
func flagLayer(f FlagOverride) (*node, error) {
	name := f.Flag
	if name == "" {
		name = f.Key
	}
	org := origin{kind: oFlag, name: name}
	path, err := parseKey(f.Key)
	if err != nil {
		return nil, &FieldError{Where: org.where(), Msg: fmt.Sprintf("bad key %q: %v", f.Key, err)}
	}
	v, err := goValue(f.Value, org)
	if err != nil {
		return nil, &FieldError{Where: org.where(), Key: f.Key, Msg: err.Error()}
	}
	return wrap(path, v, org), nil
}

// goValue converts a Go value from a flag into a node.
func goValue(v any, org origin) (*node, error) {
	n := &node{org: org}
	switch v := v.(type) {
	case string:
		n.kind, n.str = kString, v
	case bool:
		n.kind, n.b = kBool, v
	case int:
		n.kind, n.i = kInt, int64(v)
	case int64:
		n.kind, n.i = kInt, v
	case float64:
		n.kind, n.f = kFloat, v
	case []string:
		n.kind = kArray
		n.items = make([]*node, len(v))
		for i, s := range v {
			n.items[i] = &node{kind: kString, str: s, org: org}
		}
	case map[string]string:
		n = newTable(org)
		for _, k := range sortedKeys(v) {
			n.set(k, &node{kind: kString, str: v[k], org: org})
		}
	default:
		return nil, fmt.Errorf("unsupported flag value type %T", v)
	}
	return n, nil
}
