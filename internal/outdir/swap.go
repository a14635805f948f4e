package outdir

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// swapLink points dir/auth at version atomically: it creates the new link
// under a temporary name and renames it over auth. rename(2) replaces the
// old link in one step, so every reader (Apache starting, docker resolving
// the bind mount) finds either the old or the new set, never a mix.
func swapLink(dir, version string) error {
	tmp := filepath.Join(dir, linkPrefix+randomSuffix())
	if err := os.Symlink(version, tmp); err != nil {
		return fmt.Errorf("linking %s to %s: %w", AuthDir, version, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, AuthDir)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("linking %s to %s: %w", AuthDir, version, err)
	}
	syncDir(dir)
	pause()
	return nil
}

// randomSuffix is 8 random hex digits for temporary names.
func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
