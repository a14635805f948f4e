package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/internal/verify"
)

// Ports of the footprint tests.
const (
	portFootprint     = 15280
	portFootprintKeep = 15281
)

// storage is what the registry's data folder holds.
type storage struct {
	files, dirs int
	bytes       int64            // apparent size of the files
	disk        int64            // allocated, st_blocks × 512
	paths       map[string]int64 // relative path → size (-1 for a folder)
}

// added lists the paths s has and o has not, with their sizes.
func (s storage) added(o storage) []string {
	var out []string
	for p, n := range s.paths {
		if _, ok := o.paths[p]; !ok {
			out = append(out, fmt.Sprintf("%s (%d)", p, n))
		}
	}
	sort.Strings(out)
	return out
}

func (s storage) minus(o storage) storage {
	return storage{files: s.files - o.files, dirs: s.dirs - o.dirs, bytes: s.bytes - o.bytes, disk: s.disk - o.disk}
}

// measure walks the registry's data folder.
func measure(t *testing.T, data string) storage {
	t.Helper()
	s := storage{paths: map[string]int64{}}
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(data, path)
		s.paths[rel] = info.Size()
		if d.IsDir() {
			s.paths[rel] = -1
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			s.disk += st.Blocks * 512
		}
		if d.IsDir() {
			s.dirs++
		} else {
			s.files++
			s.bytes += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("measuring %s: %v", data, err)
	}
	return s
}

// openUploads lists the upload sessions the registry keeps on disk:
// the entries of every repositories/**/_uploads folder.
func openUploads(t *testing.T, data string) []string {
	t.Helper()
	root := filepath.Join(data, "docker", "registry", "v2", "repositories")
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() != "_uploads" {
			return err
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		for _, e := range entries {
			rel, _ := filepath.Rel(root, filepath.Join(path, e.Name()))
			out = append(out, rel)
		}
		return filepath.SkipDir
	})
	if err != nil {
		t.Fatalf("looking for upload sessions under %s: %v", root, err)
	}
	return out
}

// TestVerifyFootprint runs verify three times against one native stack
// (whose registry allows deletes) and checks after each run that no upload
// session is left on disk and that, after the first run, the registry's
// storage grows by no more than the README's bound. With --cleanup none
// nothing is deleted: what a registry without deletes keeps.
func TestVerifyFootprint(t *testing.T) {
	tests := []struct {
		name    string
		port    int
		cleanup string
		max     storage // growth per run after the first
		deleted int     // manifests each later run deletes
	}{
		// The README's bounds ("What a verify run leaves behind"): measured
		// 1378 and 1520 bytes with the default three layers.
		{"cleanup previous, deletes allowed", portFootprint, "", storage{files: 3, dirs: 7, bytes: 1500}, 1},
		{"cleanup none", portFootprintKeep, string(verify.CleanupNone), storage{files: 5, dirs: 7, bytes: 1800}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := render(t, specParams{Profile: "secure", Port: tc.port})
			s := start(t, spec)
			data := filepath.Join(filepath.Dir(spec), "data")
			var sizes []storage
			for run := 1; run <= 3; run++ {
				rep, err := runVerify(t, spec, s, func(o *app.VerifyOptions) { o.Cleanup, o.Layers = tc.cleanup, verify.DefaultLayers })
				if err != nil || !rep.OK() || len(rep.Warnings) != 0 {
					t.Fatalf("run %d: %v, warnings %v\n%s", run, err, rep.Warnings, reportText(rep))
				}
				fp := rep.Footprint
				t.Logf("run %d: %s", run, fp.Summary())
				if left := openUploads(t, data); len(left) != 0 {
					t.Errorf("run %d left %d upload sessions on disk: %v", run, len(left), left)
				}
				if fp.UploadsLeftOpen != 0 || fp.UploadsCancelled != 0 {
					t.Errorf("run %d: %d upload sessions left open by the checks, %d cancelled; want none opened", run, fp.UploadsLeftOpen, fp.UploadsCancelled)
				}
				if run > 1 && (len(fp.BlobsUploaded) != 1 || fp.LayersReused != verify.DefaultLayers || len(fp.Deleted) != tc.deleted) {
					t.Errorf("run %d: footprint %+v, want 1 blob uploaded (the config), %d layers reused, %d deleted", run, fp, verify.DefaultLayers, tc.deleted)
				}
				sizes = append(sizes, measure(t, data))
			}
			for run := 2; run <= 3; run++ {
				g := sizes[run-1].minus(sizes[run-2])
				t.Logf("run %d grew the data folder by %d files, %d folders, %d bytes (%d bytes allocated):\n%s",
					run, g.files, g.dirs, g.bytes, g.disk, strings.Join(sizes[run-1].added(sizes[run-2]), "\n"))
				if g.files > tc.max.files || g.dirs > tc.max.dirs || g.bytes > tc.max.bytes {
					t.Errorf("run %d grew the registry by %d files, %d folders, %d bytes; want at most %d, %d, %d",
						run, g.files, g.dirs, g.bytes, tc.max.files, tc.max.dirs, tc.max.bytes)
				}
			}
			checkUploadDetector(t, s, data)
			if tc.deleted > 0 {
				checkGarbageCollect(t, s, data)
			}
		})
	}
}

// checkGarbageCollect: once verify has deleted the previous runs'
// manifests, the registry's garbage collector removes their blobs: what
// stays is the three layers and the last run's manifest and config.
func checkGarbageCollect(t *testing.T, s *stacktest.Stack, data string) {
	t.Helper()
	bin := testenv.Tool(t, "docker-registry", "/usr/bin/docker-registry")
	s.StopRegistry()
	conf := filepath.Join(t.TempDir(), "gc.yml")
	writeFile(t, conf, []byte(stacktest.RegistryConfig(data, "127.0.0.1:0")))
	before := measure(t, data)
	if out, err := exec.Command(bin, "garbage-collect", conf).CombinedOutput(); err != nil {
		t.Fatalf("garbage-collect: %v\n%s", err, out)
	}
	after := measure(t, data)
	var blobs []string
	for p := range after.paths {
		if strings.HasPrefix(p, filepath.Join("docker", "registry", "v2", "blobs")) && filepath.Base(p) == "data" {
			blobs = append(blobs, p)
		}
	}
	t.Logf("garbage-collect freed %d bytes in %d files; %d blobs stay", before.bytes-after.bytes, before.files-after.files, len(blobs))
	if len(blobs) != verify.DefaultLayers+2 {
		t.Errorf("after garbage-collect %d blobs stay, want the %d layers, one manifest and one config: %v", len(blobs), verify.DefaultLayers, blobs)
	}
}

// checkUploadDetector: openUploads sees a session left open on purpose
// (straight to the registry, bypassing verify), so its silence above means
// something. It also shows why verify avoids opening sessions rather than
// cancelling them: distribution 2.8 answers the DELETE 204 but then writes
// the session's hashstates again, and without its startedat file the
// upload purger never removes that folder.
func checkUploadDetector(t *testing.T, s *stacktest.Stack, data string) {
	t.Helper()
	base := "http://" + s.RegistryAddr
	c := blobClient{c: http.DefaultClient, base: base}
	resp := c.do(t, http.MethodPost, base+"/v2/regsetup-verify/smoke/blobs/uploads/", nil, 0, nil, http.StatusAccepted)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if left := openUploads(t, data); len(left) != 1 || !strings.Contains(loc, filepath.Base(left[0])) {
		t.Errorf("an upload session left open on purpose (%s) is not seen on disk: %v", loc, left)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = base + loc
	}
	c.do(t, http.MethodDelete, loc, nil, 0, nil, http.StatusNoContent).Body.Close()
	if left := openUploads(t, data); len(left) != 0 {
		t.Logf("after DELETE 204 the registry still keeps %v", left)
	}
}

// portFootprintCompose is the Compose stack of TestVerifyFootprintCompose.
const portFootprintCompose = 15282

// TestVerifyFootprintCompose is the production case: the registry:2 image
// as the compose file runs it, with deletes off. Three ggcr runs and then
// two with the docker CLI: no upload session stays on disk, the registry
// answers the delete of the previous image 405 (verify says so and goes
// on), and each run after the first of its client grows the storage by
// no more than the README's bound.
func TestVerifyFootprintCompose(t *testing.T) {
	needDocker(t)
	spec := render(t, specParams{Profile: "secure", Port: portFootprintCompose})
	dir := filepath.Dir(spec)
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	host := "myregistrydomain.com:" + itoa(portFootprintCompose)
	trustInDocker(t, host, filepath.Join(dir, "auth", "domain.crt"))
	data := filepath.Join(dir, "data")
	max := storage{files: 5, dirs: 7, bytes: 1800} // docker's manifest is indented: 1714 bytes a run
	for _, client := range []string{verify.ClientGGCR, verify.ClientDocker} {
		runs := map[string]int{verify.ClientGGCR: 3, verify.ClientDocker: 2}[client]
		var sizes []storage
		for run := 1; run <= runs; run++ {
			vo := app.VerifyOptions{Paths: app.Paths{Spec: spec}, Client: client, LayerSize: 64 << 10}
			if client == verify.ClientGGCR {
				vo.Resolve = host + ":127.0.0.1"
			}
			rep, err := app.Verify(context.Background(), vo)
			if err != nil || !rep.OK() {
				t.Fatalf("%s run %d: %v\n%s", client, run, err, reportText(rep))
			}
			fp := rep.Footprint
			t.Logf("%s run %d: %s", client, run, fp.Summary())
			if left := openUploads(t, data); len(left) != 0 {
				t.Errorf("%s run %d left %d upload sessions on disk: %v", client, run, len(left), left)
			}
			cleanupWarned := slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, "cleanup:") })
			if run > 1 && (!strings.Contains(fp.Kept, "405") || len(fp.Deleted) != 0 || cleanupWarned) {
				t.Errorf("%s run %d: kept %q, deleted %v, warnings %v; want the 405 noted, nothing deleted, no cleanup warning", client, run, fp.Kept, fp.Deleted, rep.Warnings)
			}
			sizes = append(sizes, measure(t, data))
		}
		for run := 2; run <= runs; run++ {
			g := sizes[run-1].minus(sizes[run-2])
			t.Logf("%s run %d grew the data folder by %d files, %d folders, %d bytes (%d bytes allocated):\n%s",
				client, run, g.files, g.dirs, g.bytes, g.disk, strings.Join(sizes[run-1].added(sizes[run-2]), "\n"))
			if g.files > max.files || g.dirs > max.dirs || g.bytes > max.bytes {
				t.Errorf("%s run %d grew the registry by %d files, %d folders, %d bytes; want at most %d, %d, %d",
					client, run, g.files, g.dirs, g.bytes, max.files, max.dirs, max.bytes)
			}
		}
	}
}
