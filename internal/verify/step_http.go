package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// checkChallenge: an anonymous GET /v2/ must get 401 with a Basic challenge
// and the registry API version header.
func (r *run) checkChallenge(ctx context.Context) (string, error) {
	resp, err := r.send(ctx, Identity{}, http.MethodGet, "/v2/")
	if err != nil {
		return "", fmt.Errorf("anonymous GET /v2/: %w", err)
	}
	var problems []string
	if resp.status != http.StatusUnauthorized {
		problems = append(problems, fmt.Sprintf("got %s, want 401 Unauthorized", statusText(resp.status)))
	}
	challenge := resp.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(strings.ToLower(challenge), "basic") {
		problems = append(problems, fmt.Sprintf("WWW-Authenticate is %q, want a Basic challenge", challenge))
	}
	const apiHeader, apiVersion = "Docker-Distribution-Api-Version", "registry/2.0"
	if v := resp.header.Get(apiHeader); v != apiVersion {
		problems = append(problems, fmt.Sprintf("%s is %q, want %q", apiHeader, v, apiVersion))
	}
	if len(problems) > 0 {
		return "", failf("anonymous GET /v2/: %s", strings.Join(problems, "; "))
	}
	return fmt.Sprintf("anonymous GET /v2/ got 401 with %s", challenge), nil
}

// httpLogin: GET /v2/ as pusher and puller must get 200, and with a wrong
// password 401. It records who may go on.
func (r *run) httpLogin(ctx context.Context) (string, error) {
	var problems, ok []string
	for _, id := range []Identity{r.c.Pusher, r.c.Puller} {
		resp, err := r.send(ctx, id, http.MethodGet, "/v2/")
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("GET /v2/ as %s: %v", id.User, err))
		case resp.status != http.StatusOK:
			problems = append(problems, fmt.Sprintf("GET /v2/ as %s got %s, want 200 OK", id.User, statusText(resp.status)))
		default:
			r.loginOK[id.User] = true
			ok = append(ok, id.User)
		}
	}
	wrong := r.wrongPassword()
	resp, err := r.send(ctx, wrong, http.MethodGet, "/v2/")
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("GET /v2/ as %s with a wrong password: %v", wrong.User, err))
	case resp.status != http.StatusUnauthorized:
		problems = append(problems, fmt.Sprintf("GET /v2/ as %s with a wrong password got %s, want 401 Unauthorized", wrong.User, statusText(resp.status)))
	}
	if len(problems) > 0 {
		return "", failf("%s", strings.Join(problems, "; "))
	}
	return fmt.Sprintf("%s got 200; a wrong password for %s got 401", strings.Join(ok, " and "), wrong.User), nil
}

// wrongPassword is the pusher's name with a random password that is not the
// real one.
func (r *run) wrongPassword() Identity {
	id := Identity{User: r.c.Pusher.User, Password: "wrong-" + randomHex(12)}
	r.red.add(id)
	return id
}

// checkAnonymousPull: fetching the test manifest anonymously must be
// refused by the proxy (401/403); any other answer reached the registry.
func (r *run) checkAnonymousPull(ctx context.Context) (string, error) {
	_, err := remote.Get(r.tag, remote.WithAuth(authn.Anonymous), remote.WithTransport(r.uploads), remote.WithContext(ctx))
	if err == nil {
		return "", failf("an anonymous user could pull %s: the proxy lets anonymous reads through", r.tag)
	}
	if isDenied(err) {
		return fmt.Sprintf("anonymous pull of %s refused (%s)", r.tag, deniedStatus(err)), nil
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return "", failf("anonymous pull of %s reached the registry (%s), want 401/403 from the proxy", r.tag, statusText(te.StatusCode))
	}
	return "", fmt.Errorf("pulling %s anonymously: %w", r.tag, err)
}

// isDenied reports whether err is the registry or proxy refusing access.
func isDenied(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if denied(te.StatusCode) {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.DeniedErrorCode || d.Code == transport.UnauthorizedErrorCode {
			return true
		}
	}
	return false
}

// deniedStatus is e.g. "401 Unauthorized" for a denied error.
func deniedStatus(err error) string {
	var te *transport.Error
	if errors.As(err, &te) {
		return statusText(te.StatusCode)
	}
	return "denied"
}
