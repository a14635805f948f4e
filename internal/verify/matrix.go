package verify

import (
	"fmt"
	"strings"
)

// Matrix is the access matrix: every identity × path × method, sent raw,
// with what the proxy did and what the policy wanted.
type Matrix struct {
	Methods []string
	Paths   []string
	Rows    []MatrixRow // identity × path, in a fixed order
}

// MatrixRow is one identity on one path.
type MatrixRow struct {
	Identity string // e.g. "anonymous", "testuser", "testuserpush (wrong password)"
	User     string // "" for anonymous
	Path     string
	Cells    []MatrixCell // one per Matrix.Methods entry
	note     string       // for a declared identity: the memberships the spec declares
}

// MatrixCell is one raw request.
type MatrixCell struct {
	Method     string
	StatusCode int  // 0 if the request failed or was skipped
	Reached    bool // the proxy passed it to the registry (status not 401/403)
	Allowed    bool // the policy says it should reach the registry
	Result     CellResult
	Error      string // why the request failed or was skipped
}

// CellResult classifies a matrix cell.
type CellResult string

// Matrix cell results.
const (
	CellOK      CellResult = "ok"             // as the policy says
	CellLeak    CellResult = "leak"           // reached the registry, want denied
	CellDenied  CellResult = "wrongly-denied" // denied, want reached
	CellError   CellResult = "error"          // the request failed
	CellSkipped CellResult = "skip"           // not sent (e.g. the user could not log in)
)

// MatrixMethods are the methods the matrix sends: the usual ones, one the
// server cannot know, and a lower-case one (Apache treats "get" as an
// unknown method, so it slips past <Limit GET>).
var MatrixMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOOBAR", "get"}

// zeroDigest names a manifest that cannot exist, so that DELETE or PUT in
// the matrix can never touch the real test image.
const zeroDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// matrixPaths are the API root, the catalog, and for each repository the
// blob upload endpoint and a manifest that does not exist.
func matrixPaths(repos ...string) []string {
	paths := []string{"/v2/", "/v2/_catalog"}
	seen := map[string]bool{}
	for _, repo := range repos {
		if seen[repo] {
			continue
		}
		seen[repo] = true
		paths = append(paths, "/v2/"+repo+"/blobs/uploads/", "/v2/"+repo+"/manifests/"+zeroDigest)
	}
	return paths
}

// Short is the cell as shown in the text table.
func (c MatrixCell) Short() string {
	switch c.Result {
	case CellOK:
		return "ok"
	case CellLeak:
		return "LEAK"
	case CellDenied:
		return "DENY!"
	case CellError:
		return "ERR"
	default:
		return "-"
	}
}

// Failed reports whether the cell counts against the matrix step.
func (c MatrixCell) Failed() bool {
	return c.Result == CellLeak || c.Result == CellDenied || c.Result == CellError
}

// Explain is one line about a failed cell, e.g.
// "anonymous OPTIONS /v2/: reached the registry (200 OK), want denied".
func (row MatrixRow) Explain(c MatrixCell) string {
	if row.note != "" && (c.Result == CellLeak || c.Result == CellDenied) {
		return row.explainDeclared(c)
	}
	what := ""
	switch c.Result {
	case CellLeak:
		what = fmt.Sprintf("reached the registry (%s), want denied", statusText(c.StatusCode))
	case CellDenied:
		what = fmt.Sprintf("denied (%s), want it to reach the registry", statusText(c.StatusCode))
	case CellError:
		what = "request failed: " + c.Error
	case CellSkipped:
		what = "skipped: " + c.Error
	default:
		what = fmt.Sprintf("%s, as the policy says", statusText(c.StatusCode))
	}
	return fmt.Sprintf("%s %s %s: %s", row.Identity, c.Method, DisplayPath(row.Path), what)
}

// DisplayPath shortens the all-zero digest of the matrix's manifest path
// to "sha256:0000..." for people; JSON keeps the full path.
func DisplayPath(p string) string {
	return strings.Replace(p, zeroDigest, "sha256:0000...", 1)
}

// classify fills in Reached and Result from the status code.
func (c *MatrixCell) classify(status int) {
	c.StatusCode = status
	c.Reached = !denied(status)
	switch {
	case c.Reached == c.Allowed:
		c.Result = CellOK
	case c.Reached:
		c.Result = CellLeak
	default:
		c.Result = CellDenied
	}
}

// Failures lists every failed cell, one line each.
func (m *Matrix) Failures() []string {
	var out []string
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			if c.Failed() {
				out = append(out, row.Explain(c))
			}
		}
	}
	return out
}

// Count returns how many cells have result res.
func (m *Matrix) Count(res CellResult) int {
	n := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			if c.Result == res {
				n++
			}
		}
	}
	return n
}
