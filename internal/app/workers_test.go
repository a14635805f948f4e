package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/model"
)

// TestWorkersGroup: the group Apache's workers run as, for each kind of
// invoking user and what an earlier run left.
func TestWorkersGroup(t *testing.T) {
	root := Identity{Root: true}
	user := Identity{UID: 1000, GID: 1000, Groups: []int{1000, 27}}
	member := Identity{UID: 1001, GID: 1001, Groups: []int{1001, 1}}
	tests := []struct {
		name    string
		id      Identity
		profile model.Profile
		prev    int
		want    int
		note    bool
		refused bool
	}{
		{"root, fresh folder", root, model.ProfileSecure, -1, 1, false, false},
		{"root keeps a user's group (sudo up after init)", root, model.ProfileSecure, 1000, 1000, true, false},
		{"root does not keep group 0", root, model.ProfileSecure, 0, 1, false, false},
		{"user, fresh folder: own group", user, model.ProfileSecure, -1, 1000, true, false},
		{"user in a folder root gave to daemon: own group", user, model.ProfileSecure, 1, 1000, true, false},
		{"user keeps a group they are in", user, model.ProfileSecure, 27, 27, true, false},
		{"member of daemon: daemon", member, model.ProfileSecure, -1, 1, false, false},
		{"recipe as root", root, model.ProfileRecipe, 1000, 1, false, false},
		{"recipe as a member of daemon", member, model.ProfileRecipe, -1, 1, false, false},
		{"recipe as a user: refused", user, model.ProfileRecipe, -1, 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workersGroup(tt.id, tt.profile, tt.prev)
			if w.GID != tt.want || (w.Note != "") != tt.note || (w.Refusal != nil) != tt.refused {
				t.Errorf("got gid %d note %q refusal %v; want gid %d, a note: %v, refused: %v", w.GID, w.Note, w.Refusal, tt.want, tt.note, tt.refused)
			}
		})
	}
}

// TestInitWithoutRoot renders as a user who cannot give files to group 1:
// the secure httpd.conf runs the workers with the user's group, and the
// recipe (whose httpd.conf is the document's) is refused before anything
// is written, saying how to fix it.
func TestInitWithoutRoot(t *testing.T) {
	user := &Identity{UID: 4242, GID: 4242, Groups: []int{4242}}
	t.Run("secure", func(t *testing.T) {
		o := caseOptions("quickstart", t.TempDir())
		o.Identity = user
		res, err := Init(o)
		if err != nil {
			t.Fatal(err)
		}
		conf, _ := os.ReadFile(filepath.Join(o.Out, "auth", "httpd.conf"))
		if !strings.Contains(string(conf), "    User daemon\n") || !strings.Contains(string(conf), "\n    Group #4242\n") || strings.Contains(string(conf), "Group daemon") {
			t.Errorf("httpd.conf does not run the workers as daemon with group 4242:\n%s", unixdBlock(conf))
		}
		if !strings.Contains(strings.Join(res.Notes, "\n"), "Group #4242") {
			t.Errorf("no note says the workers run with group 4242: %q", res.Notes)
		}
	})
	t.Run("recipe", func(t *testing.T) {
		o := caseOptions("recipe", filepath.Join(t.TempDir(), "out"))
		o.Identity = user
		res, err := Init(o)
		if !errors.Is(err, ErrWorkersGroup) || !strings.Contains(err.Error(), "sudo regsetup init") || !strings.Contains(err.Error(), "profile: secure") {
			t.Fatalf("got %v, want ErrWorkersGroup with the fix", err)
		}
		for _, f := range res.Files {
			if f.Done() && f.Planned != "unchanged" {
				t.Errorf("%s: %s, want not written", f.Path, f.Action)
			}
		}
		if _, err := os.Stat(o.Out); err == nil {
			t.Errorf("the refused init left %s (it did not exist before)", o.Out)
		}
	})
	t.Run("recipe as root is the document", func(t *testing.T) {
		o := caseOptions("recipe", t.TempDir())
		if _, err := Init(o); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(o.Out, "auth", "httpd.conf"))
		want, _ := os.ReadFile(filepath.Join(golden.Root(), "testdata", "reference", "httpd.conf"))
		if string(got) != string(want) {
			t.Errorf("the recipe's httpd.conf is not the document's")
		}
	})
}

// unixdBlock is the <IfModule unixd_module> section of conf, for messages.
func unixdBlock(conf []byte) string {
	s := string(conf)
	i := strings.Index(s, "<IfModule unixd_module>")
	if i < 0 {
		return "(no unixd block)"
	}
	j := strings.Index(s[i:], "</IfModule>")
	return s[i : i+j]
}
