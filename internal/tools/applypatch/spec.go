package applypatch

import (
	"encoding/json"

	"github.com/kodex-cli/kodex/internal/model"
)

// Name is the tool's name, the one Codex's models are trained on.
const Name = "apply_patch"

const description = `Create, edit, delete or rename files by applying a patch. Use it for every file change.

The patch format is not a unified diff. It looks like this:

*** Begin Patch
*** Update File: src/app.py
@@ def greet(name):
-    print("Hello " + name)
+    print(f"Hello, {name}!")
     return None
*** Add File: docs/notes.md
+# Notes
+First line.
*** Delete File: old/unused.py
*** End Patch

How to write one:
- The patch starts with "*** Begin Patch" and ends with "*** End Patch". In between come file sections, each starting with "*** Add File: <path>", "*** Delete File: <path>" or "*** Update File: <path>". Paths are relative to the working directory.
- Add File: each following line is a line of the new file, prefixed with "+".
- Update File: may be followed by "*** Move to: <new path>" to rename the file. Then come the changes. A change may start with "@@ <text>", where <text> is a line that appears before the change (such as a class or function header), used to tell apart code that occurs more than once; a bare "@@" just separates changes. Inside a change, a line starting with a space is unchanged context, "-" marks a removed line and "+" an added one.
- Give about three lines of context before and after each change, copied exactly from the file. Changes to one file must be in file order. Put "*** End of File" after a change that must match the end of the file.
- No line numbers in "@@" lines.`

const inputDescription = "The whole patch, from *** Begin Patch to *** End Patch."

// grammar is the freeform tool's input format, in Lark.
const grammar = `start: begin file_op+ end

begin: "*** Begin Patch" LF
end: "*** End Patch" LF?

file_op: add_file | delete_file | update_file

add_file: "*** Add File: " PATH LF content_line*
content_line: "+" TEXT? LF

delete_file: "*** Delete File: " PATH LF

update_file: "*** Update File: " PATH LF move_to? first_change change*
move_to: "*** Move to: " PATH LF
first_change: header? diff_line+ end_of_file?
change: header diff_line+ end_of_file?
header: "@@" LF | "@@ " TEXT LF
diff_line: (" " | "-" | "+") TEXT? LF
end_of_file: "*** End of File" LF

PATH: /[^\r\n]+/
TEXT: /[^\r\n]+/
LF: "\n"
`

// parameters is the function tool's JSON schema.
var parameters = json.RawMessage(`{"type":"object","properties":{"input":{"type":"string","description":` +
	quote(inputDescription) + `}},"required":["input"],"additionalProperties":false}`)

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func spec(freeform bool) model.ToolSpec {
	if freeform {
		return model.ToolSpec{
			Kind:        model.ToolCustom,
			Name:        Name,
			Description: description,
			Format:      &model.CustomFormat{Type: "grammar", Syntax: "lark", Definition: grammar},
		}
	}
	return model.ToolSpec{
		Kind:        model.ToolFunction,
		Name:        Name,
		Description: description,
		Parameters:  parameters,
	}
}
