package config

import (
	"fmt"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// FieldError is one problem with the configuration, positioned at the file
// and line, the -c override or the flag it came from. Load joins all the
// problems it finds with errors.Join.
type FieldError struct {
	Where string // "/home/u/.kodex/config.toml:12", "-c model=x", "flag --model"
	Key   string // dotted key, when the problem is about one
	Msg   string
}

func (e *FieldError) Error() string { return e.Where + ": " + e.Msg }

// fieldInfo is what the struct tags say about one configuration key:
//
//	toml:"name[,path][,relfile][,glob][,secret][,noprofile][,profiles][,abskeys]"
//	enum:"a,b,c"   allowed values of a string
//	default:"v"    the value when no layer sets it (not inside profiles)
type fieldInfo struct {
	name      string
	index     int
	enum      []string
	def       string
	hasDef    bool
	path      bool // absolute paths; a leading ~ is the user's home
	relFile   bool // with path: a relative path in a file is relative to the file's directory
	glob      bool // glob patterns, checked for syntax
	secret    bool // map whose secret-looking entries `config show` masks
	noProfile bool // may not be set inside [profiles.NAME]
	profiles  bool // the profiles table: each entry is checked as a profile
	absKeys   bool // map keys are absolute paths
}

func fieldsOf(t reflect.Type) []fieldInfo {
	var fs []fieldInfo
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("toml")
		if tag == "" || tag == "-" {
			continue
		}
		opts := strings.Split(tag, ",")
		f := fieldInfo{name: opts[0], index: i}
		for _, o := range opts[1:] {
			switch o {
			case "path":
				f.path = true
			case "relfile":
				f.relFile = true
			case "glob":
				f.glob = true
			case "secret":
				f.secret = true
			case "noprofile":
				f.noProfile = true
			case "profiles":
				f.profiles = true
			case "abskeys":
				f.absKeys = true
			}
		}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		f.def, f.hasDef = sf.Tag.Lookup("default")
		fs = append(fs, f)
	}
	return fs
}

// decoder checks a tree against the Config struct and fills it in.
type decoder struct {
	errs []error
	// unknown are the unknown keys found, reported as warnings (Codex
	// ignores them), or as errors in errs when strict.
	unknown  []*FieldError
	strict   bool
	home     string // the user's home directory, for ~ in paths
	defaults bool   // fill in defaults for keys no layer sets
	record   bool   // collect Settings for `config show`
	settings []Setting
	profile  bool // inside [profiles.NAME]
	fields   map[reflect.Type][]fieldInfo
}

func (d *decoder) fieldsOf(t reflect.Type) []fieldInfo {
	if d.fields == nil {
		d.fields = map[reflect.Type][]fieldInfo{}
	}
	fs, ok := d.fields[t]
	if !ok {
		fs = fieldsOf(t)
		d.fields[t] = fs
	}
	return fs
}

func (d *decoder) fail(n *node, key []string, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{Where: n.org.where(), Key: joinKey(key), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) bad(n *node, key []string, want string) {
	d.fail(n, key, "bad %s %s (want %s)", joinKey(key), clip(render(n)), want)
}

func (d *decoder) note(n *node, key []string, value string) {
	if d.record {
		d.settings = append(d.settings, Setting{Key: joinKey(key), Value: value, Origin: n.org.String()})
	}
}

func sub(path []string, k string) []string {
	return append(path[:len(path):len(path)], k)
}

// table decodes table n into struct v.
func (d *decoder) table(n *node, v reflect.Value, key []string) {
	fs := d.fieldsOf(v.Type())
	for _, k := range n.keys {
		i := slices.IndexFunc(fs, func(f fieldInfo) bool { return f.name == k })
		if i < 0 {
			d.unknownKey(n.tbl[k], v.Type(), fs, key, k)
			continue
		}
		f := fs[i]
		if d.profile && f.noProfile {
			d.fail(n.tbl[k], sub(key, k), "%s cannot be set in a profile", joinKey(sub(key, k)))
			continue
		}
		d.field(n.tbl[k], v.Field(f.index), sub(key, k), f)
	}
	if !d.defaults {
		return
	}
	for _, f := range fs {
		if _, ok := n.tbl[f.name]; ok {
			continue
		}
		fv := v.Field(f.index)
		switch {
		case f.hasDef:
			if dn := defaultNode(f.def, fv.Kind()); dn != nil {
				d.field(dn, fv, sub(key, f.name), f)
			}
		case fv.Kind() == reflect.Struct:
			d.table(newTable(origin{}), fv, sub(key, f.name))
		}
	}
}

func defaultNode(s string, k reflect.Kind) *node {
	n := &node{}
	var err error
	switch k {
	case reflect.String:
		n.kind, n.str = kString, s
	case reflect.Bool:
		n.kind = kBool
		n.b, err = strconv.ParseBool(s)
	case reflect.Int, reflect.Int64:
		n.kind = kInt
		n.i, err = strconv.ParseInt(s, 10, 64)
	case reflect.Float64:
		n.kind = kFloat
		n.f, err = strconv.ParseFloat(s, 64)
	default:
		return nil
	}
	if err != nil {
		panic(fmt.Sprintf("config: bad default %q: %v", s, err)) // a bug in a struct tag
	}
	return n
}

func (d *decoder) unknownKey(n *node, t reflect.Type, fs []fieldInfo, key []string, k string) {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	full := joinKey(sub(key, k))
	if why, ok := codexOnly(sub(key, k)); ok {
		if why != "" {
			why = " (" + why + ")"
		}
		if k == "features" && n.kind == kTable && len(n.keys) > 0 {
			full += " (" + strings.Join(n.keys, ", ") + ")"
		}
		d.unknownKeyIs(n, sub(key, k), fmt.Sprintf("%s is a Codex setting kodex does not support%s; ignored", full, why))
		return
	}
	if s := suggest(k, names); s != "" {
		d.unknownKeyIs(n, sub(key, k), fmt.Sprintf("unknown key %q (did you mean %q?)", full, joinKey(sub(key, s))))
		return
	}
	// A key written at the wrong level: `network_access = true` at the top.
	for _, f := range fs {
		ft := t.Field(f.index).Type
		if ft.Kind() != reflect.Struct {
			continue
		}
		for _, g := range d.fieldsOf(ft) {
			if g.name == k {
				d.unknownKeyIs(n, sub(key, k), fmt.Sprintf("unknown key %q (did you mean %q?)", full, joinKey(append(sub(key, f.name), k))))
				return
			}
		}
	}
	d.unknownKeyIs(n, sub(key, k), fmt.Sprintf("unknown key %q", full))
}

// unknownKeyIs records an unknown key: an error with strict (--strict-config),
// else a warning that says it is ignored.
func (d *decoder) unknownKeyIs(n *node, key []string, msg string) {
	if d.strict {
		d.fail(n, key, "%s", msg)
		return
	}
	if !strings.HasSuffix(msg, "ignored") {
		msg += "; ignored (--strict-config makes this an error)"
	}
	d.unknown = append(d.unknown, &FieldError{Where: n.org.where(), Key: joinKey(key), Msg: msg})
}

// noticeAt reports how kodex reads a Codex setting it supports in part:
// a warning, even with --strict-config (the setting is valid).
func (d *decoder) noticeAt(n *node, key []string, msg string) {
	d.unknown = append(d.unknown, &FieldError{Where: n.org.where(), Key: joinKey(key), Msg: msg})
}

func (d *decoder) field(n *node, v reflect.Value, key []string, f fieldInfo) {
	n = codexForm(d, n, key)
	switch v.Kind() {
	case reflect.Struct:
		if n.kind != kTable {
			d.bad(n, key, "a table")
			return
		}
		d.table(n, v, key)
	case reflect.Map:
		d.mapField(n, v, key, f)
	case reflect.Slice:
		if f.profiles {
			d.profiles(n, v, key)
			return
		}
		d.stringList(n, v, key, f)
	default:
		d.scalar(n, v, key, f)
	}
}

func (d *decoder) scalar(n *node, v reflect.Value, key []string, f fieldInfo) {
	switch v.Kind() {
	case reflect.String:
		s, ok := d.str(n)
		if !ok {
			d.bad(n, key, "a string")
			return
		}
		if f.enum != nil && !slices.Contains(f.enum, s) {
			d.enumError(n, key, s, f.enum)
			return
		}
		if f.path {
			if f.relFile && s != "" && !filepath.IsAbs(s) && !strings.HasPrefix(s, "~") &&
				(n.org.kind == oFile || n.org.kind == oProject) {
				s = filepath.Join(filepath.Dir(n.org.name), s)
			}
			p, ok := d.absPath(n, key, s)
			if !ok {
				return
			}
			s = p
		}
		v.SetString(s)
		d.note(n, key, quote(s))
	case reflect.Bool:
		if n.kind != kBool {
			d.bad(n, key, "true or false")
			return
		}
		v.SetBool(n.b)
		d.note(n, key, render(n))
	case reflect.Int, reflect.Int64:
		if n.kind != kInt || n.i < 0 || v.OverflowInt(n.i) {
			d.bad(n, key, "a non-negative integer")
			return
		}
		v.SetInt(n.i)
		d.note(n, key, render(n))
	case reflect.Float64:
		x := n.f
		switch {
		case n.kind == kInt:
			x = float64(n.i)
		case n.kind != kFloat || x != x || x < 0:
			d.bad(n, key, "a non-negative number")
			return
		}
		v.SetFloat(x)
		d.note(n, key, render(n))
	default:
		panic("config: unsupported field type " + v.Type().String())
	}
}

// str returns n as a string. A -c value that parsed as another scalar is
// taken as typed: `-c model=4.1` is the model "4.1".
func (d *decoder) str(n *node) (string, bool) {
	switch {
	case n.kind == kString:
		return n.str, true
	case n.raw != "" && n.kind != kArray && n.kind != kTable:
		return n.raw, true
	}
	return "", false
}

func (d *decoder) enumError(n *node, key []string, s string, allowed []string) {
	msg := fmt.Sprintf("unknown %s %q (want %s)", joinKey(key), s, orList(allowed))
	if m := suggest(s, allowed); m != "" {
		msg += fmt.Sprintf("; did you mean %q?", m)
	}
	d.fail(n, key, "%s", msg)
}

func (d *decoder) absPath(n *node, key []string, p string) (string, bool) {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if d.home == "" {
			d.bad(n, key, "an absolute path; cannot expand ~ without a home directory")
			return "", false
		}
		p = filepath.Join(d.home, p[1:])
	}
	if !filepath.IsAbs(p) {
		d.fail(n, key, "bad %s %q (want an absolute path)", joinKey(key), p)
		return "", false
	}
	return filepath.Clean(p), true
}

func (d *decoder) stringList(n *node, v reflect.Value, key []string, f fieldInfo) {
	if n.kind != kArray {
		d.bad(n, key, "an array of strings")
		return
	}
	out := make([]string, 0, len(n.items))
	for _, it := range n.items {
		if it.kind != kString {
			d.bad(n, key, "an array of strings")
			return
		}
		s := it.str
		switch {
		case f.path:
			p, ok := d.absPath(n, key, s)
			if !ok {
				return
			}
			s = p
		case f.glob:
			if _, err := path.Match(s, ""); err != nil {
				d.fail(n, key, "bad %s pattern %q (%v)", joinKey(key), s, err)
				return
			}
		}
		out = append(out, s)
	}
	v.Set(reflect.ValueOf(out))
	rendered := make([]string, len(out))
	for i, s := range out {
		rendered[i] = quote(s)
	}
	d.note(n, key, "["+strings.Join(rendered, ", ")+"]")
}

func (d *decoder) mapField(n *node, v reflect.Value, key []string, f fieldInfo) {
	if n.kind != kTable {
		d.bad(n, key, "a table")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	et := v.Type().Elem()
	for _, k := range n.keys {
		e, ek := n.tbl[k], sub(key, k)
		if f.absKeys && !filepath.IsAbs(k) {
			d.fail(e, ek, "bad %s key %q (want an absolute path)", joinKey(key), k)
			continue
		}
		ev := reflect.New(et).Elem()
		if old := v.MapIndex(reflect.ValueOf(k)); old.IsValid() {
			ev.Set(old)
		}
		switch et.Kind() {
		case reflect.String:
			s, ok := d.str(e)
			if !ok {
				d.bad(e, ek, "a string")
				continue
			}
			ev.SetString(s)
			if f.secret && secretLooking(k) {
				d.note(e, ek, `"****"`)
			} else {
				d.note(e, ek, quote(s))
			}
		case reflect.Struct:
			if e.kind != kTable {
				d.bad(e, ek, "a table")
				continue
			}
			d.table(e, ev, ek)
		default:
			panic("config: unsupported map type " + v.Type().String())
		}
		v.SetMapIndex(reflect.ValueOf(k), ev)
	}
}

// profiles checks each [profiles.NAME] as a set of top-level keys and
// stores the sorted names.
func (d *decoder) profiles(n *node, v reflect.Value, key []string) {
	if n.kind != kTable {
		d.bad(n, key, "a table")
		return
	}
	saved, savedDefaults := d.profile, d.defaults
	d.profile, d.defaults = true, false
	defer func() { d.profile, d.defaults = saved, savedDefaults }()
	names := make([]string, 0, len(n.keys))
	for _, k := range n.keys {
		e := n.tbl[k]
		if e.kind != kTable {
			d.bad(e, sub(key, k), "a table")
			continue
		}
		d.table(e, reflect.New(reflect.TypeFor[Config]()).Elem(), sub(key, k))
		names = append(names, k)
	}
	slices.Sort(names)
	v.Set(reflect.ValueOf(names))
}

// secretLooking reports whether a header, query parameter or variable name
// probably holds a credential.
func secretLooking(name string) bool {
	l := strings.ToLower(name)
	for _, s := range []string{"auth", "key", "token", "secret", "passw", "credential", "cookie", "session"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// orList renders ["a" "b" "c"] as "a, b or c".
func orList(ss []string) string {
	switch len(ss) {
	case 0:
		return "nothing"
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

// suggest returns the candidate nearest to word, if it is near enough to be
// a likely typo, else "".
func suggest(word string, candidates []string) string {
	limit := 1
	switch {
	case len(word) > 8:
		limit = 3
	case len(word) > 4:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		dist := editDistance(strings.ToLower(word), strings.ToLower(c))
		if dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance (Levenshtein with
// transpositions of adjacent characters), on bytes.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
