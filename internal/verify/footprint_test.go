package verify

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// layerDigests are the compressed digests of the push image's layers for c.
func layerDigests(t *testing.T, c Config) []string {
	t.Helper()
	img, err := newImage(rolePush, c.Layers, c.LayerSize, "any-run")
	if err != nil {
		t.Fatal(err)
	}
	want, err := describe(img)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range want.layers {
		out = append(out, l.String())
	}
	return out
}

// blobUploads are the digests of the blob uploads that completed (PUT to a
// session with ?digest=) among reqs.
func blobUploads(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		if !strings.HasPrefix(r, "PUT ") || !strings.Contains(r, "/blobs/uploads/") {
			continue
		}
		if _, d, ok := strings.Cut(r, "digest="); ok {
			d, _, _ = strings.Cut(d, "&")
			out = append(out, strings.ReplaceAll(d, "%3A", ":"))
		}
	}
	return out
}

// manifestDeletes are the manifest DELETEs among reqs, apart from the
// matrix's all-zero digest.
func manifestDeletes(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		if strings.HasPrefix(r, "DELETE ") && strings.Contains(r, "/manifests/") && !strings.Contains(r, zeroDigest) {
			out = append(out, r)
		}
	}
	return out
}

func TestRunTwiceFootprint(t *testing.T) {
	tests := []struct {
		name      string
		proxy     *fakeProxy
		cleanup   CleanupMode
		deleteOff bool
		noMount   bool   // the registry ignores ?mount=: the matrix's POSTs open sessions
		sessions  bool   // sessions are left open by the checks (and must be cancelled)
		policy    Policy // what the spec says; specPolicy(pusher) if nil
		ok        bool
		deletes   int    // manifest DELETEs the second run sends
		kept      string // in the second run's Footprint.Kept
		warning   string // in the second run's warnings
	}{
		{name: "deletes allowed", proxy: &fakeProxy{pushers: []string{pusher.User}}, ok: true, deletes: 1},
		{name: "deletes off", proxy: &fakeProxy{pushers: []string{pusher.User}}, deleteOff: true, ok: true, deletes: 1, kept: "405"},
		{name: "cleanup none", proxy: &fakeProxy{pushers: []string{pusher.User}}, cleanup: CleanupNone, ok: true},
		{name: "cleanup all", proxy: &fakeProxy{pushers: []string{pusher.User}}, cleanup: CleanupAll, ok: true, deletes: 1},
		{name: "cleanup all, deletes off", proxy: &fakeProxy{pushers: []string{pusher.User}}, cleanup: CleanupAll, deleteOff: true, ok: true, deletes: 1,
			kept: "405", warning: "does not allow deletes"},
		// The matrix fails (the proxy lets the pusher DELETE, the spec does
		// not), and cleanup, going by the spec, sends no DELETE.
		{name: "rules without DELETE", proxy: &fakeProxy{pushers: []string{pusher.User}}, policy: PolicyFunc(func(u, m, p string) bool {
			return m != "DELETE" && specPolicy(pusher.User).Allowed(u, m, p)
		}), kept: "do not let testuserpush DELETE"},
		// The pull-only user's denied push opens a session (POST passes,
		// PATCH is refused).
		{name: "a proxy that lets everyone POST", proxy: &fakeProxy{pushers: []string{pusher.User}, postHole: true}, sessions: true, deletes: 1},
		{name: "a registry without mount", proxy: &fakeProxy{pushers: []string{pusher.User}}, noMount: true, sessions: true, ok: true, deletes: 1},
		{name: "a registry without mount, a proxy that lets everyone POST", proxy: &fakeProxy{pushers: []string{pusher.User}, postHole: true},
			noMount: true, sessions: true, deletes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.proxy.backend = &ledger{}
			reg := startRegistry(t, tt.proxy)
			led := tt.proxy.backend
			led.set(tt.deleteOff, false, tt.noMount)
			c := reg.config()
			c.Cleanup = tt.cleanup
			if tt.policy != nil {
				c.Policy = tt.policy
			}
			layers := layerDigests(t, c)
			var reps []*Report
			for run := 1; run <= 2; run++ {
				rep, err := Run(context.Background(), c)
				if err != nil || rep.OK() != tt.ok {
					t.Fatalf("run %d: %v, ok=%v, want %v: %s", run, err, rep.OK(), tt.ok, stepStatuses(rep))
				}
				reqs := led.requests()
				if open := led.openSessions(); len(open) != 0 {
					t.Errorf("run %d left %d upload sessions open: %v", run, len(open), open)
				}
				fp := rep.Footprint
				if (fp.UploadsLeftOpen > 0) != tt.sessions || fp.UploadsCancelled != fp.UploadsLeftOpen {
					t.Errorf("run %d: %d upload sessions left open, %d cancelled (want some: %v); warnings %v",
						run, fp.UploadsLeftOpen, fp.UploadsCancelled, tt.sessions, rep.Warnings)
				}
				if got := matrixStatus(rep, pusher.User, "POST", "/v2/"+c.Repo+"/blobs/uploads/"); got != 201 && !tt.noMount {
					t.Errorf("run %d: the matrix's POST as the pusher got %d, want 201 (mounted, no session)", run, got)
				}
				up := blobUploads(reqs)
				if run == 1 && !slices.Contains(up, layers[0]) {
					t.Errorf("run 1 did not upload layer %s (uploads %v): the counting is broken", layers[0], up)
				}
				if run == 2 {
					for _, l := range layers {
						if slices.Contains(up, l) {
							t.Errorf("run 2 uploaded layer %s again", l)
						}
					}
					if len(up) != 1 || fp.LayersReused != len(layers) || len(fp.BlobsUploaded) != 1 {
						t.Errorf("run 2 uploaded %v (footprint %+v), want only the new config", up, fp)
					}
					if d := manifestDeletes(reqs); len(d) != tt.deletes {
						t.Errorf("run 2 sent manifest deletes %v, want %d", d, tt.deletes)
					}
				}
				reps = append(reps, rep)
			}
			second := reps[1].Footprint
			if !strings.Contains(second.Kept, tt.kept) || (tt.kept == "") != (second.Kept == "") {
				t.Errorf("kept %q, want %q", second.Kept, tt.kept)
			}
			if got := strings.Join(reps[1].Warnings, "\n"); !strings.Contains(got, tt.warning) || (tt.warning == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
			first, _ := reps[0].Step(StepPush)
			again, _ := reps[1].Step(StepPush)
			if first.Message != again.Message || reps[0].Image != reps[1].Image {
				t.Errorf("the two runs pushed different images:\n%s\n%s", first.Message, again.Message)
			}
			checkDeleted(t, reg, c, reps, tt.deletes > 0 && !tt.deleteOff, tt.cleanup == CleanupAll && !tt.deleteOff && tt.deletes > 0)
		})
	}
}

// checkDeleted: the first run's manifest is gone when wantGone1, the
// second's when wantGone2; the two digests differ.
func checkDeleted(t *testing.T, reg *testRegistry, c Config, reps []*Report, wantGone1, wantGone2 bool) {
	t.Helper()
	auth := remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: pusher.User, Password: pusher.Password}))
	if reps[0].Digest == "" || reps[0].Digest == reps[1].Digest {
		t.Errorf("the runs pushed manifests %q and %q: want two different ones, or a stale image would pass", reps[0].Digest, reps[1].Digest)
	}
	for i, rep := range reps {
		ref := mustTag(t, c.Host+"/"+c.Repo+":"+DefaultTag).Context().Digest(rep.Digest)
		_, err := remote.Head(ref, remote.WithTransport(reg.transport()), auth)
		if gone, want := err != nil, []bool{wantGone1, wantGone2}[i]; gone != want {
			t.Errorf("run %d's manifest gone=%v (%v), want %v", i+1, gone, err, want)
		}
	}
}

// TestRunCatchesAStaleImage: with the same tag and the same layers every
// run, a push that silently does nothing (a cache that answers the
// manifest PUT itself) leaves the previous run's image at the tag; the
// pull must not pass with it.
func TestRunCatchesAStaleImage(t *testing.T) {
	p := &fakeProxy{pushers: []string{pusher.User}, backend: &ledger{}}
	reg := startRegistry(t, p)
	c := reg.config()
	first, err := Run(context.Background(), c)
	if err != nil || !first.OK() {
		t.Fatalf("first run: %v, %s", err, stepStatuses(first))
	}
	p.backend.set(false, true, false)
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	checkReport(t, rep, statuses(map[string]Status{StepPull: StatusFail, StepDeniedPush: StatusFail}), map[string][]string{
		StepPull:       {"manifest digest " + first.Digest, "want " + rep.Digest},
		StepDeniedPush: {"now points to " + first.Digest},
	})
	if len(rep.Footprint.Deleted) != 0 {
		t.Errorf("deleted %v: the previous image is still the tag's, nothing may go", rep.Footprint.Deleted)
	}
}

// matrixStatus is the status code of one matrix cell (0 if absent).
func matrixStatus(rep *Report, user, method, path string) int {
	if rep.Matrix == nil {
		return 0
	}
	for _, row := range rep.Matrix.Rows {
		if row.Identity != user || row.Path != path {
			continue
		}
		for _, c := range row.Cells {
			if c.Method == method {
				return c.StatusCode
			}
		}
	}
	return 0
}
