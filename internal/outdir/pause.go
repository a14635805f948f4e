package outdir

import "time"

// stepPause, set only in test builds with
//
//	go build -ldflags "-X github.com/regsetup/regsetup/internal/outdir.stepPause=20ms"
//
// makes Apply sleep after each step that changes the disk, so a test that
// kills regsetup at random times lands between any two steps. Release
// builds leave it empty: no pause, and no environment variable to set one.
var stepPause string

var pauseFor, _ = time.ParseDuration(stepPause)

// pause sleeps for stepPause (normally not at all).
func pause() {
	if pauseFor > 0 {
		time.Sleep(pauseFor)
	}
}
