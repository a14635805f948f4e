package model

import (
	"slices"
	"strings"
)

// Method classes the proxy authorizes. Every other method is denied.
var (
	PullMethods = []string{"GET", "HEAD"}
	PushMethods = []string{"POST", "PUT", "DELETE", "PATCH"}
)

// Allowed reports whether the proxy should let user ("" for anonymous) send
// method to path (a URL path under /v2). It is the intent that the secure
// profile renders and that verify checks the live stack against: deny by
// default, methods compared exactly as Apache does (case-sensitive).
func (m *Model) Allowed(user, method, path string) bool {
	if path != "/v2" && !strings.HasPrefix(path, "/v2/") {
		return false
	}
	pull, push := m.rights(path)
	switch {
	case slices.Contains(PullMethods, method):
		return m.includes(pull, user) || m.includes(push, user)
	case slices.Contains(PushMethods, method):
		return m.includes(push, user)
	}
	return false
}

// rights are who may pull and push at path.
func (m *Model) rights(path string) (pull, push Principals) {
	if len(m.Access.Rules) == 0 {
		return m.Access.Pull, m.Access.Push
	}
	switch path {
	case "/v2", "/v2/":
		return Principals{Authenticated: true}, Principals{} // the API check docker login makes
	case CatalogPath:
		return m.Access.Catalog, Principals{}
	}
	if r := m.ruleFor(path); r != nil {
		return r.Pull, r.Push
	}
	return Principals{}, Principals{}
}

// CanPull reports whether user may read repo.
func (m *Model) CanPull(user, repo string) bool {
	return m.Allowed(user, "GET", "/v2/"+repo+"/manifests/latest")
}

// CanPush reports whether user may write repo.
func (m *Model) CanPush(user, repo string) bool {
	return m.Allowed(user, "PUT", "/v2/"+repo+"/manifests/latest")
}
