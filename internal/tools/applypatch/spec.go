package applypatch

import (
	"encoding/json"
	"sync"

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

// freeformDescription is the freeform tool's description: the grammar
// says the format, models of the families it is offered to know the rest.
const freeformDescription = "Edits files by applying a patch: adds, updates, renames and deletes them. " +
	"This is a freeform tool: send the raw patch text, from *** Begin Patch to *** End Patch, not JSON."

// grammar is the freeform tool's input format, in Lark: the one Codex sends,
// so a model trained on it sees the same constraint.
const grammar = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`

// parameters is the function tool's JSON schema, built on first use (not
// at start-up: it runs the JSON encoder).
var parameters = sync.OnceValue(func() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"input":{"type":"string","description":` +
		quote(inputDescription) + `}},"required":["input"],"additionalProperties":false}`)
})

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// spec returns the tool's spec: the freeform form (which names the
// function form for wires without custom tools) or the function form.
func spec(freeform bool) model.ToolSpec {
	fn := model.ToolSpec{
		Kind:        model.ToolFunction,
		Name:        Name,
		Description: description,
		Parameters:  parameters(),
	}
	if !freeform {
		return fn
	}
	return model.ToolSpec{
		Kind:         model.ToolCustom,
		Name:         Name,
		Description:  freeformDescription,
		Format:       &model.CustomFormat{Type: "grammar", Syntax: "lark", Definition: grammar},
		FunctionForm: &fn,
	}
}
