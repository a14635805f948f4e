package verify

import "fmt"

// CleanupMode says which test images Run deletes once the checks are done.
// Deletes need the registry's storage.delete.enabled; a registry without
// it answers 405 UNSUPPORTED, and the images stay (see the README section
// "What a verify run leaves behind").
type CleanupMode string

// Cleanup modes.
const (
	// CleanupPrevious deletes the image the previous run left at the tag,
	// where the registry allows deletes (the default).
	CleanupPrevious CleanupMode = "previous"
	// CleanupAll deletes this run's image too: the repository keeps no
	// verify manifest. A registry without deletes makes this a warning.
	CleanupAll CleanupMode = "all"
	// CleanupNone never sends a DELETE.
	CleanupNone CleanupMode = "none"
)

// CleanupModes are the valid modes, for help texts.
var CleanupModes = []CleanupMode{CleanupPrevious, CleanupAll, CleanupNone}

// ParseCleanup returns the mode named s ("" is CleanupPrevious).
func ParseCleanup(s string) (CleanupMode, error) {
	if s == "" {
		return CleanupPrevious, nil
	}
	for _, m := range CleanupModes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("cleanup %q: want %q, %q or %q", s, CleanupPrevious, CleanupAll, CleanupNone)
}
