package app

import (
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/outdir"
)

// NotWritten is the action of a file init planned to write but did not
// (a check, a refusal, a failed write).
const NotWritten = "not written"

// Unknown is the action of a file whose state could not be read back
// after a failed write.
const Unknown = "unknown"

// FileResult is one file of an init run: what the plan said and what
// happened.
type FileResult struct {
	Path    string        `json:"path"`
	Planned outdir.Action `json:"planned"`
	// Action is what happened: created, updated, unchanged or replaced
	// once on disk; NotWritten or Unknown otherwise.
	Action string `json:"action"`
}

// Done reports whether the file is on disk as planned.
func (f FileResult) Done() bool { return f.Action != NotWritten && f.Action != Unknown }

// planned is the plan before anything is written: only unchanged files
// are as they should be.
func planned(changes []outdir.Change) []FileResult {
	out := make([]FileResult, len(changes))
	for i, c := range changes {
		out[i] = FileResult{Path: c.Path, Planned: c.Action, Action: NotWritten}
		if c.Action == outdir.Unchanged {
			out[i].Action = string(outdir.Unchanged)
		}
	}
	return out
}

// applied is the plan after a successful Apply: every file is on disk
// (Apply marked forced edits replaced).
func applied(changes []outdir.Change) []FileResult {
	out := make([]FileResult, len(changes))
	for i, c := range changes {
		p := c.Action
		if p == outdir.Replaced {
			p = outdir.Edited
		}
		out[i] = FileResult{Path: c.Path, Planned: p, Action: string(c.Action)}
	}
	return out
}

// written is what a failed Apply left: each file is read back through
// the links Apache uses, and is done only when it holds what the plan
// wanted; a file it cannot read back is Unknown.
func written(dir string, files []generator.File, changes []outdir.Change) []FileResult {
	out := planned(changes)
	now, err := outdir.Compute(dir, files)
	if err != nil {
		for i := range out {
			if out[i].Action == NotWritten {
				out[i].Action = Unknown
			}
		}
		return out
	}
	have := map[string]outdir.Action{}
	for _, c := range now.Changes {
		have[c.Path] = c.Action
	}
	for i, f := range out {
		if f.Planned == outdir.Unchanged || have[f.Path] != outdir.Unchanged {
			continue
		}
		out[i].Action = string(f.Planned)
		if f.Planned == outdir.Edited {
			out[i].Action = string(outdir.Replaced)
		}
	}
	return out
}
