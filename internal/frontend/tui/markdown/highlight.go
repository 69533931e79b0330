package markdown

import (
	"strings"
	"sync"
)

// language describes just enough of a language to colour it: keywords,
// line-comment markers and string quotes.
type language struct {
	keywords map[string]bool
	comments []string
	quotes   string
}

// languages is built on first use, so importing this package costs nothing
// at start-up.
var languages = sync.OnceValue(func() map[string]*language {
	kw := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, w := range strings.Fields(s) {
			m[w] = true
		}
		return m
	}
	cLike := []string{"//"}
	hash := []string{"#"}
	goLang := &language{kw("break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false iota"), cLike, "\"'`"}
	py := &language{kw("and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self"), hash, "\"'"}
	js := &language{kw("async await break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while with yield interface type enum implements readonly"), cLike, "\"'`"}
	rust := &language{kw("as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while Some None Ok Err"), cLike, "\""}
	sh := &language{kw("if then else elif fi for while until do done case esac in function return export local set unset echo cd exit source alias"), hash, "\"'"}
	c := &language{kw("auto break case char const continue default do double else enum extern float for goto if int long register return short signed sizeof static struct switch typedef union unsigned void volatile while class namespace template typename public private protected virtual new delete nullptr true false bool include define"), cLike, "\"'"}
	java := &language{kw("abstract boolean break byte case catch char class const continue default do double else enum extends final finally float for if implements import instanceof int interface long new package private protected public return short static super switch this throw throws try void volatile while true false null var fun val when object"), cLike, "\"'"}
	data := &language{kw("true false null"), hash, "\"'"}
	return map[string]*language{
		"go": goLang, "golang": goLang,
		"python": py, "py": py,
		"javascript": js, "js": js, "jsx": js, "typescript": js, "ts": js, "tsx": js,
		"rust": rust, "rs": rust,
		"sh": sh, "bash": sh, "shell": sh, "zsh": sh, "console": sh,
		"c": c, "cpp": c, "c++": c, "h": c, "hpp": c,
		"java": java, "kotlin": java, "kt": java, "scala": java, "swift": java, "csharp": java, "cs": java,
		"json": data, "yaml": data, "yml": data, "toml": data, "ini": data,
	}
})

// Highlight colours code in the named language (a fence's info string) and
// returns its lines. Unknown languages are returned uncoloured; "diff" and
// "patch" colour added and removed lines.
func Highlight(lang, code string) []string {
	lines := strings.Split(code, "\n")
	lang = strings.ToLower(strings.Fields(lang + " x")[0])
	if lang == "diff" || lang == "patch" {
		for i, l := range lines {
			lines[i] = DiffLine(l)
		}
		return lines
	}
	spec := languages()[lang]
	if spec == nil {
		return lines
	}
	for i, l := range lines {
		lines[i] = spec.line(l)
	}
	return lines
}

// DiffLine colours one line of a unified diff.
func DiffLine(l string) string {
	switch {
	case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		return Bold(l)
	case strings.HasPrefix(l, "+"):
		return Fg(Green, l)
	case strings.HasPrefix(l, "-"):
		return Fg(Red, l)
	case strings.HasPrefix(l, "@@"):
		return Fg(Cyan, l)
	}
	return l
}

// line colours one line. Strings do not span lines (good enough for a
// terminal preview).
func (lg *language) line(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		c := l[i]
		switch {
		case lg.isComment(l[i:]):
			b.WriteString(Fg(Gray, l[i:]))
			return b.String()
		case strings.IndexByte(lg.quotes, c) >= 0:
			j := i + 1
			for j < len(l) && l[j] != c {
				if l[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(l))
			b.WriteString(Fg(Green, l[i:j]))
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(l) && isIdent(l[j]) {
				j++
			}
			word := l[i:j]
			switch {
			case lg.keywords[word]:
				b.WriteString(Fg(Magenta, word))
			case j < len(l) && l[j] == '(':
				b.WriteString(Fg(Blue, word))
			default:
				b.WriteString(word)
			}
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(l) && (isIdent(l[j]) || l[j] == '.') {
				j++
			}
			b.WriteString(Fg(Yellow, l[i:j]))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func (lg *language) isComment(s string) bool {
	for _, c := range lg.comments {
		if strings.HasPrefix(s, c) {
			return true
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
