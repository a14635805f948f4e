package bench

import (
	"fmt"
	"regexp"
)

// ProcessModel is an Apache event MPM block: how many processes serve and
// how many threads each. The apply benchmark measures a reload under each.
type ProcessModel struct {
	Name  string // short label for the table
	Block string // the <IfModule mpm_event_module> block ("" = what the template renders)
}

// ModelOneProcess is the process model the secure profile had while its
// password cache needed every thread in one process: ServerLimit 1, 256
// threads. A graceful reload waits for that one process to finish.
var ModelOneProcess = ProcessModel{Name: "one-process", Block: `<IfModule mpm_event_module>
    ServerLimit         1
    StartServers        1
    ThreadLimit         256
    ThreadsPerChild     256
    MaxRequestWorkers   256
    MinSpareThreads     32
    MaxSpareThreads     288
</IfModule>`}

// ModelRendered is the process model the secure template renders today.
var ModelRendered = ProcessModel{Name: "rendered"}

// ModelStock is the event MPM's compiled-in defaults (no block at all):
// StartServers 3, ServerLimit 16, ThreadsPerChild 25, MaxRequestWorkers 400.
var ModelStock = ProcessModel{Name: "stock-event", Block: "# (event MPM defaults)"}

// ModelSeveral is the candidate with several processes: 2 to start, up to
// 8 serving (512 threads) and 8 more slots for old processes that finish
// their requests across reloads.
var ModelSeveral = ProcessModel{Name: "several", Block: `<IfModule mpm_event_module>
    ServerLimit         16
    StartServers        2
    ThreadLimit         64
    ThreadsPerChild     64
    MaxRequestWorkers   512
    MinSpareThreads     64
    MaxSpareThreads     256
</IfModule>`}

// DefaultModels are the process models an apply run compares.
var DefaultModels = []ProcessModel{ModelOneProcess, ModelRendered}

var mpmBlockRE = regexp.MustCompile(`(?s)<IfModule mpm_event_module>.*?</IfModule>`)

// withModel replaces the event MPM block of a rendered secure httpd.conf
// by m's (unchanged for ModelRendered).
func withModel(conf []byte, m ProcessModel) ([]byte, error) {
	if m.Block == "" {
		return conf, nil
	}
	if !mpmBlockRE.Match(conf) {
		return nil, fmt.Errorf("httpd.conf has no <IfModule mpm_event_module> block to replace")
	}
	return mpmBlockRE.ReplaceAllLiteral(conf, []byte(m.Block)), nil
}

// EventModel is an event MPM block with start processes of threads each,
// room for 16 processes and MaxRequestWorkers of half of them, so that as
// many processes again can finish their requests across a reload.
func EventModel(start, threads int) ProcessModel {
	return ProcessModel{Name: fmt.Sprintf("event:%dx%d", start, threads), Block: fmt.Sprintf(`<IfModule mpm_event_module>
    ServerLimit         16
    StartServers        %d
    ThreadLimit         %d
    ThreadsPerChild     %d
    MaxRequestWorkers   %d
    MinSpareThreads     %d
    MaxSpareThreads     %d
</IfModule>`, start, threads, threads, 8*threads, threads, 4*threads)}
}

// ParseModel resolves a model name: one-process, rendered, stock-event,
// several or event:STARTxTHREADS (see EventModel).
func ParseModel(name string) (ProcessModel, error) {
	var start, threads int
	if n, err := fmt.Sscanf(name, "event:%dx%d", &start, &threads); err == nil && n == 2 && start > 0 && start <= 16 && threads > 0 && threads <= 256 {
		return EventModel(start, threads), nil
	}
	for _, m := range []ProcessModel{ModelOneProcess, ModelRendered, ModelStock, ModelSeveral} {
		if m.Name == name {
			return m, nil
		}
	}
	return ProcessModel{}, fmt.Errorf("unknown process model %q (want one-process, rendered, stock-event or several)", name)
}
