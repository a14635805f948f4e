package outdir

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Names of regsetup's own temporary entries in the output folder.
const (
	stagingPrefix = ".auth-staging-" // a new set being written
	linkPrefix    = ".auth-link-"    // a new link before it is renamed over auth
)

// versionRE matches versioned folders: VersionPrefix, 12 hex digits and an
// optional -N (see placeVersion).
var versionRE = regexp.MustCompile(`^\.auth-[0-9a-f]{12}(-[0-9]+)?$`)

// prune deletes the versioned folders of dir other than keep (the current
// set and the previous one, for rollback) and the leftovers of interrupted
// runs. It deletes nothing else: not the kept plain folder, not data/.
// Failures are warnings: the new set is already in place.
func prune(dir string, keep ...string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{fmt.Sprintf("could not list %s to delete old %s versions: %v", dir, AuthDir, err)}
	}
	var warnings []string
	for _, e := range entries {
		name := e.Name()
		if slices.Contains(keep, name) || !ours(name, e.IsDir()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			warnings = append(warnings, fmt.Sprintf("could not delete the old %s version %s: %v", AuthDir, name, err))
		}
	}
	return warnings
}

// ours reports whether the entry name of the output folder is one regsetup
// made and may delete: a versioned or staging folder, or a temporary link.
func ours(name string, isDir bool) bool {
	if isDir {
		return versionRE.MatchString(name) || strings.HasPrefix(name, stagingPrefix)
	}
	return strings.HasPrefix(name, linkPrefix)
}

// isLeftover reports whether name in an auth folder is a temporary file of
// an interrupted write (by this writer or an older one), not to be kept.
func isLeftover(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}
