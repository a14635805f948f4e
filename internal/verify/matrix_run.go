package verify

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// matrixWorkers is how many matrix requests are in flight at once.
const matrixWorkers = 4

// matrixIdentity is one row group of the matrix.
type matrixIdentity struct {
	label string
	id    Identity
	wrong bool   // wrong password: must always be denied
	skip  string // reason not to send anything
}

// matrixIdentities: anonymous, wrong password, puller, pusher, then every
// other known user.
func (r *run) matrixIdentities() []matrixIdentity {
	wrong := r.wrongPassword()
	ids := []matrixIdentity{
		{label: "anonymous"},
		{label: wrong.User + " (wrong password)", id: wrong, wrong: true},
	}
	seen := map[string]bool{}
	for _, id := range append([]Identity{r.c.Puller, r.c.Pusher}, r.c.Users...) {
		if id.User == "" || seen[id.User] {
			continue
		}
		seen[id.User] = true
		mi := matrixIdentity{label: id.User, id: id}
		switch {
		case id.Password == "":
			mi.skip = "no password known for " + id.User
		case (id.User == r.c.Pusher.User || id.User == r.c.Puller.User || id.Declared) && !r.loginOK[id.User]:
			mi.skip = id.User + " could not log in"
		}
		ids = append(ids, mi)
	}
	return ids
}

// checkMatrix sends every identity × path × method raw and compares what
// the proxy did with the policy.
func (r *run) checkMatrix(ctx context.Context) (string, error) {
	m, jobs := r.buildMatrix()
	r.rep.Matrix = m
	if mount := r.mountQuery(ctx); mount != "" {
		for i, j := range jobs {
			if j.cell.Method == http.MethodPost && strings.HasSuffix(j.path, "/blobs/uploads/") {
				jobs[i].path += mount
			}
		}
	}
	r.sendMatrix(ctx, jobs)
	cells := len(m.Rows) * len(m.Methods)
	bad := m.Failures()
	if len(bad) > 0 {
		return "", &failure{
			msg: fmt.Sprintf("%d of %d requests got the wrong answer (%d leaked, %d wrongly denied, %d failed)",
				len(bad), cells, m.Count(CellLeak), m.Count(CellDenied), m.Count(CellError)),
			details: bad,
		}
	}
	msg := fmt.Sprintf("all %d requests answered as the policy says", cells-m.Count(CellSkipped))
	if n := m.Count(CellSkipped); n > 0 {
		msg += fmt.Sprintf(" (%d skipped)", n)
	}
	return msg, nil
}

// matrixJob is one request to send; the answer goes into cell.
type matrixJob struct {
	cell *MatrixCell
	id   Identity
	path string // as sent: the row's path, plus a query for the upload POSTs
}

// mountQuery is the query the matrix adds to its upload POSTs:
// "?mount=LAYER&from=REPO" names a layer of the image the push step left
// in Repo, so a POST that reaches the registry is answered 201 (the layer
// is linked, once, into that repository) rather than 202 with a new upload
// session: distribution 2.8 keeps part of every session on disk even once
// it is cancelled. The proxy decides on the path alone, so the matrix
// still shows who may POST. "" when there is no pushed layer to name.
func (r *run) mountQuery(ctx context.Context) string {
	if r.pushed == nil {
		return ""
	}
	layer := ""
	if len(r.pushed.layers) > 0 {
		layer = r.pushed.layers[0].String()
	} else if m, err := remote.Image(r.tag.Context().Digest(r.pushed.digest.String()), r.remoteOpts(ctx, r.c.Pusher)...); err == nil {
		if ls, err := m.Layers(); err == nil && len(ls) > 0 {
			if d, err := ls[0].Digest(); err == nil {
				layer = d.String()
			}
		}
	}
	if layer == "" {
		return ""
	}
	return "?" + url.Values{"mount": {layer}, "from": {r.c.Repo}}.Encode()
}

// buildMatrix lays out the rows and the expected outcome of every cell,
// and returns the requests to send.
func (r *run) buildMatrix() (*Matrix, []matrixJob) {
	m := &Matrix{Methods: append([]string{}, MatrixMethods...), Paths: matrixPaths(append([]string{r.c.Repo}, r.c.MatrixRepos...)...)}
	type pending struct{ row, col int }
	var ids []Identity
	var todo []pending
	for _, mi := range r.matrixIdentities() {
		for _, p := range m.Paths {
			row := MatrixRow{Identity: mi.label, User: mi.id.User, Path: p, note: declaredNote(mi.id)}
			for j, meth := range m.Methods {
				c := MatrixCell{Method: meth}
				c.Allowed = !mi.wrong && r.c.Policy.Allowed(mi.id.User, meth, p)
				if mi.skip != "" {
					c.Result, c.Error = CellSkipped, mi.skip
				} else {
					todo = append(todo, pending{len(m.Rows), j})
				}
				row.Cells = append(row.Cells, c)
			}
			m.Rows = append(m.Rows, row)
			ids = append(ids, mi.id)
		}
	}
	jobs := make([]matrixJob, 0, len(todo))
	for _, t := range todo {
		jobs = append(jobs, matrixJob{cell: &m.Rows[t.row].Cells[t.col], id: ids[t.row], path: m.Rows[t.row].Path})
	}
	return m, jobs
}

// sendMatrix sends the jobs a few at a time; each answer lands in its own
// cell, so the outcome does not depend on the order.
func (r *run) sendMatrix(ctx context.Context, jobs []matrixJob) {
	ch := make(chan matrixJob)
	var wg sync.WaitGroup
	for range matrixWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				resp, err := r.send(ctx, j.id, j.cell.Method, j.path)
				if err != nil {
					j.cell.Result, j.cell.Error = CellError, r.red.String(err.Error())
					continue
				}
				j.cell.classify(resp.status)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}
