package model

import "strings"

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
	switch {
	case contains(PullMethods, method):
		return m.CanPull(user)
	case contains(PushMethods, method):
		return m.CanPush(user)
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
