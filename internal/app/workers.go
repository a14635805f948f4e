package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
)

// ErrWorkersGroup is returned when init cannot make the password file and
// the key readable by Apache's workers (profile recipe without root).
var ErrWorkersGroup = errors.New("the password file would be unreadable by Apache's workers")

// Identity is who writes the output folder. It decides the group Apache's
// workers run as: they must read the password file (on every request) and
// the files are mode 0640, so the files must belong to the workers' group.
type Identity struct {
	Root   bool  // may give files to any group
	UID    int   // effective user id
	GID    int   // effective group id
	Groups []int // supplementary groups
}

// CurrentIdentity is this process's.
func CurrentIdentity() Identity {
	groups, _ := os.Getgroups()
	return Identity{Root: os.Geteuid() == 0, UID: os.Geteuid(), GID: os.Getegid(), Groups: groups}
}

// canGive reports whether id may give its files to group gid.
func (id Identity) canGive(gid int) bool {
	return id.Root || id.GID == gid || slices.Contains(id.Groups, gid)
}

// workers is the group Apache's workers run as, and what to tell the
// person about it.
type workers struct {
	GID     int
	Note    string // the files belong to the invoking user's group
	Refusal error  // recipe without root: the stack would refuse every login
}

// workersGroup chooses the workers' group for profile, written by id in a
// folder whose password file (if any) belongs to group prev (-1: none):
//   - the group of the files already there, when id may give files to it
//     (so `sudo regsetup up` after a user's `regsetup init` rewrites
//     nothing, and a later `init` by that user can still read them);
//   - else the image's daemon group, when id may give files to it (root,
//     or a member of gid 1);
//   - else (secure) id's own group, which httpd.conf then names, so the
//     workers read the 0640 files without making them world-readable;
//   - the recipe's httpd.conf is the document's, `Group daemon`: there it
//     is a refusal with the fix.
func workersGroup(id Identity, profile model.Profile, prev int) workers {
	daemon := model.DaemonGroup
	if profile == model.ProfileRecipe {
		if id.canGive(daemon) {
			return workers{GID: daemon}
		}
		return workers{GID: daemon, Refusal: fmt.Errorf("%w: profile recipe keeps the document's `Group daemon` (gid %d), and only root or a member of group %d may give %s and %s to that group; written by uid %d they stay unreadable in the container and every login fails: run `sudo regsetup init`, or use `profile: secure`, which runs the workers with your group (%d)",
			ErrWorkersGroup, daemon, daemon, generator.HTPasswd, generator.Key, id.UID, id.GID)}
	}
	if prev > 0 && id.canGive(prev) {
		return workers{GID: prev, Note: ownGroupNote(prev)}
	}
	if id.canGive(daemon) {
		return workers{GID: daemon}
	}
	return workers{GID: id.GID, Note: ownGroupNote(id.GID)}
}

// ownGroupNote says what a workers' group other than daemon means, or ""
// for daemon.
func ownGroupNote(gid int) string {
	if gid == model.DaemonGroup {
		return ""
	}
	return fmt.Sprintf("%s and %s belong to group %d (mode 0640), not to the image's daemon group (only root may give them to it): httpd.conf runs Apache's workers with group %d (`Group #%d`) to read them, and anyone else in group %d can read them too", generator.HTPasswd, generator.Key, gid, gid, gid, gid)
}

// fileGroup is the group of the file at path (through links), or -1 when
// there is none.
func fileGroup(path string) (int, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(sys.Gid), nil
	}
	return -1, nil
}
