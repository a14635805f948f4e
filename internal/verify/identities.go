package verify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// StepSignIn signs in as every declared identity (Config.Users entries
// with Declared set); it is in the report only when there are some.
const StepSignIn = "sign-in"

// declared are the identities the spec declares memberships for.
func (r *run) declared() []Identity {
	var out []Identity
	for _, id := range r.c.Users {
		if id.Declared {
			out = append(out, id)
		}
	}
	return out
}

// checkSignIn: GET /v2/ as each declared identity must not get 401 (a 403
// is a sign-in whose account the rules refuse: the matrix judges that).
// Who signs in goes on to the matrix; who does not is skipped there.
func (r *run) checkSignIn(ctx context.Context) (string, error) {
	var ok, bad []string
	for _, id := range r.declared() {
		resp, err := r.send(ctx, id, http.MethodGet, "/v2/")
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: GET /v2/: %v", id.User, err))
		case resp.status == http.StatusUnauthorized:
			bad = append(bad, fmt.Sprintf("%s could not sign in (GET /v2/ got 401 Unauthorized): the password was refused, or the account is disabled or not found under base_dn with the filter", id.User))
		case resp.status >= 500:
			bad = append(bad, fmt.Sprintf("%s: GET /v2/ got %s: the proxy could not ask the directory (its error log says why)", id.User, statusText(resp.status)))
		default:
			r.loginOK[id.User] = true
			ok = append(ok, id.User)
		}
	}
	if len(bad) > 0 {
		return "", &failure{msg: fmt.Sprintf("%d of %d declared identities could not sign in", len(bad), len(bad)+len(ok)), details: bad}
	}
	return "signed in as " + strings.Join(ok, ", "), nil
}

// declaredNote is what the spec says of id, for a matrix line that
// disagrees with it.
func declaredNote(id Identity) string {
	if !id.Declared {
		return ""
	}
	if len(id.Groups) == 0 {
		return "the spec declares " + id.User + " in no group"
	}
	return "the spec declares " + id.User + " in " + strings.Join(id.Groups, ", ")
}

// repoOf is the repository a matrix path acts on, or "".
func repoOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	for _, sep := range []string{"/blobs/", "/manifests/", "/tags/"} {
		if i := strings.Index(rest, sep); i > 0 {
			return rest[:i]
		}
	}
	return ""
}

// explainDeclared is Explain for a declared identity's row: the
// identity, the repository, what the spec expects and what the proxy did.
func (row MatrixRow) explainDeclared(c MatrixCell) string {
	where := DisplayPath(row.Path)
	if repo := repoOf(row.Path); repo != "" {
		where = "repository " + repo + " (" + c.Method + " " + where + ")"
	} else {
		where = c.Method + " " + where
	}
	want, got := "denied", "reached the registry"
	if c.Allowed {
		want, got = "to reach the registry", "denied"
	}
	return fmt.Sprintf("%s on %s: expected %s, got %s (%s); %s", row.Identity, where, want, got, statusText(c.StatusCode), row.note)
}
