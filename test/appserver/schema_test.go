package appserver_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// schema is a JSON Schema (draft-07) document, validated by a small
// validator for the keywords Codex's generated schema uses: $ref (to
// #/definitions/…), type, properties, required, additionalProperties,
// items, enum, const, anyOf, oneOf, allOf, minimum, minLength. format,
// default, title and description are annotations. A keyword it does not
// know fails the validation, so a schema update cannot pass unchecked.
//
// Go has no JSON Schema validator in its standard library, python3's
// jsonschema is not installed everywhere, and the one npm validator worth
// pinning would add a Node dependency to a test that otherwise needs Go
// only: the subset is small enough to check here.
type schema struct {
	root map[string]any
}

func loadSchema(t testing.TB, name string) *schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "codex-0.169", name))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &schema{root: root}
}

// validate checks v (decoded JSON) against the document's root schema,
// or against definitions[def] when def is set.
func (s *schema) validate(v any, def string) error {
	node := s.root
	if def != "" {
		defs, _ := s.root["definitions"].(map[string]any)
		d, ok := defs[def].(map[string]any)
		if !ok {
			return fmt.Errorf("no definition %q", def)
		}
		node = d
	}
	return s.check(node, v, "$")
}

var annotations = map[string]bool{
	"$schema": true, "title": true, "description": true, "format": true, "default": true,
	"definitions": true, "examples": true, "deprecated": true,
}

func (s *schema) check(node map[string]any, v any, path string) error {
	for k := range node {
		switch k {
		case "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const",
			"anyOf", "oneOf", "allOf", "minimum", "minLength":
		default:
			if !annotations[k] {
				return fmt.Errorf("%s: schema keyword %q is not supported by the test validator", path, k)
			}
		}
	}
	if ref, ok := node["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/definitions/")
		defs, _ := s.root["definitions"].(map[string]any)
		target, ok := defs[name].(map[string]any)
		if !found || !ok {
			return fmt.Errorf("%s: unresolved $ref %q", path, ref)
		}
		if err := s.check(target, v, path); err != nil {
			return err
		}
	}
	if t, ok := node["type"]; ok {
		if err := checkType(t, v, path); err != nil {
			return err
		}
	}
	if e, ok := node["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return jsonEqual(x, v) }) {
		return fmt.Errorf("%s: %v is not one of %v", path, v, e)
	}
	if c, ok := node["const"]; ok && !jsonEqual(c, v) {
		return fmt.Errorf("%s: %v is not %v", path, v, c)
	}
	if err := s.checkCombinators(node, v, path); err != nil {
		return err
	}
	if err := checkBounds(node, v, path); err != nil {
		return err
	}
	if obj, ok := v.(map[string]any); ok {
		if err := s.checkObject(node, obj, path); err != nil {
			return err
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := node["items"].(map[string]any); ok {
			for i, e := range arr {
				if err := s.check(items, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *schema) checkCombinators(node map[string]any, v any, path string) error {
	if all, ok := node["allOf"].([]any); ok {
		for _, sub := range all {
			if err := s.check(sub.(map[string]any), v, path); err != nil {
				return err
			}
		}
	}
	if anyOf, ok := node["anyOf"].([]any); ok {
		var errs []string
		for _, sub := range anyOf {
			err := s.check(sub.(map[string]any), v, path)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s: matches none of anyOf: %s", path, strings.Join(errs, " | "))
		}
	}
	if oneOf, ok := node["oneOf"].([]any); ok {
		matched := 0
		var errs []string
		for _, sub := range oneOf {
			if err := s.check(sub.(map[string]any), v, path); err == nil {
				matched++
			} else {
				errs = append(errs, err.Error())
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d of oneOf (want 1): %s", path, matched, strings.Join(relevant(errs, path), " | "))
		}
	}
	return nil
}

// relevant drops the errors of the branches whose discriminator (method
// or type) did not match: they only say "not this branch".
func relevant(errs []string, path string) []string {
	var out []string
	for _, e := range errs {
		if strings.HasPrefix(e, path+".method: ") || strings.HasPrefix(e, path+".type: ") {
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return errs
	}
	return out
}

func checkBounds(node map[string]any, v any, path string) error {
	if min, ok := node["minimum"].(float64); ok {
		if n, isNum := v.(float64); isNum && n < min {
			return fmt.Errorf("%s: %v is below the minimum %v", path, n, min)
		}
	}
	if min, ok := node["minLength"].(float64); ok {
		if str, isStr := v.(string); isStr && float64(len([]rune(str))) < min {
			return fmt.Errorf("%s: %q is shorter than %v", path, str, min)
		}
	}
	return nil
}

func (s *schema) checkObject(node map[string]any, obj map[string]any, path string) error {
	props, _ := node["properties"].(map[string]any)
	if req, ok := node["required"].([]any); ok {
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: required property %q is missing", path, r)
			}
		}
	}
	for k, val := range obj {
		p := path + "." + k
		if sub, ok := props[k].(map[string]any); ok {
			if err := s.check(sub, val, p); err != nil {
				return err
			}
			continue
		}
		switch ap := node["additionalProperties"].(type) {
		case bool:
			if !ap {
				return fmt.Errorf("%s: property not allowed", p)
			}
		case map[string]any:
			if err := s.check(ap, val, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkType(t any, v any, path string) error {
	var types []string
	switch t := t.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	for _, want := range types {
		if isType(want, v) {
			return nil
		}
	}
	return fmt.Errorf("%s: %s is not of type %v", path, describe(v), types)
}

func isType(want string, v any) bool {
	switch want {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return false
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:80], "…"...)
	}
	return string(b)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestValidatorRejects: the validator is not a yes-machine.
func TestValidatorRejects(t *testing.T) {
	t.Parallel()
	v2 := loadSchema(t, "codex_app_server_protocol.v2.schemas.json")
	notes := loadSchema(t, "ServerNotification.json")
	for _, tt := range []struct {
		name, def string
		s         *schema
		json      string
	}{
		{"missing required", "TurnStartResponse", v2, `{}`},
		{"wrong enum", "Turn", v2, `{"id":"1","items":[],"status":"running"}`},
		{"wrong type", "AgentMessageDeltaNotification", v2, `{"threadId":"t","turnId":"1","itemId":"i","delta":3}`},
		{"oneOf none", "ThreadItem", v2, `{"type":"agentMessage","id":"x"}`},
		{"unknown method", "", notes, `{"method":"item/unknown","params":{}}`},
	} {
		var v any
		if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
			t.Fatal(err)
		}
		if err := tt.s.validate(v, tt.def); err == nil {
			t.Errorf("%s: %s validated against %s", tt.name, tt.json, tt.def)
		}
	}
	var ok any
	_ = json.Unmarshal([]byte(`{"id":"1","items":[],"status":"completed"}`), &ok)
	if err := v2.validate(ok, "Turn"); err != nil {
		t.Errorf("a valid turn: %v", err)
	}
}
