package model

import (
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
)

func simpleModel() *Model {
	return &Model{
		Groups: []Group{{Name: "pusher", Members: []string{"testuserpush"}}},
		Access: Access{Pull: Principals{Authenticated: true}, Push: Principals{Groups: []string{"pusher"}}},
	}
}

func rulesModel() *Model {
	return &Model{
		Groups: []Group{{Name: "admins", Members: []string{"admin"}}, {Name: "team-a", Members: []string{"alice"}}},
		Access: Access{
			Catalog: Principals{Groups: []string{"admins"}},
			Rules: []Rule{
				{Repos: "library/*", Pull: Principals{Authenticated: true}, Push: Principals{Groups: []string{"admins"}}},
				{Repos: "team-a/*", Pull: Principals{Groups: []string{"team-a"}}, Push: Principals{Groups: []string{"team-a"}}},
				{Repos: "releases/app", Push: Principals{Users: []string{"ci"}}},
			},
		},
	}
}

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		name               string
		m                  *Model
		user, method, path string
		want               bool
	}{
		{"anonymous never", simpleModel(), "", "GET", "/v2/", false},
		{"any user reads", simpleModel(), "testuser", "GET", "/v2/x/manifests/latest", true},
		{"pull-only cannot push", simpleModel(), "testuser", "PUT", "/v2/x/manifests/latest", false},
		{"pusher pushes", simpleModel(), "testuserpush", "PATCH", "/v2/x/blobs/uploads/1", true},
		{"OPTIONS for nobody", simpleModel(), "testuserpush", "OPTIONS", "/v2/", false},
		{"lower-case get is not GET", simpleModel(), "testuser", "get", "/v2/", false},
		{"outside /v2", simpleModel(), "testuser", "GET", "/v2foo", false},
		{"rules: root for any user", rulesModel(), "bob", "GET", "/v2/", true},
		{"rules: root is read-only", rulesModel(), "admin", "POST", "/v2/", false},
		{"rules: catalog for admins", rulesModel(), "admin", "GET", "/v2/_catalog", true},
		{"rules: catalog not for others", rulesModel(), "alice", "GET", "/v2/_catalog", false},
		{"rules: library read by all", rulesModel(), "bob", "GET", "/v2/library/deep/name/manifests/1", true},
		{"rules: library write by admins", rulesModel(), "admin", "PUT", "/v2/library/app/manifests/1", true},
		{"rules: library not by alice", rulesModel(), "alice", "PUT", "/v2/library/app/manifests/1", false},
		{"rules: team-a by its group", rulesModel(), "alice", "POST", "/v2/team-a/app/blobs/uploads/", true},
		{"rules: team-a not by admins", rulesModel(), "admin", "GET", "/v2/team-a/app/tags/list", false},
		{"rules: team-a itself is not under team-a/*", rulesModel(), "alice", "GET", "/v2/team-a/manifests/latest", false},
		{"rules: exact repo", rulesModel(), "ci", "PUT", "/v2/releases/app/manifests/1", true},
		{"rules: exact repo only", rulesModel(), "ci", "PUT", "/v2/releases/app2/manifests/1", false},
		{"rules: unruled repo", rulesModel(), "admin", "GET", "/v2/other/app/manifests/1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Allowed(tc.user, tc.method, tc.path); got != tc.want {
				t.Errorf("Allowed(%q, %q, %q) = %v, want %v", tc.user, tc.method, tc.path, got, tc.want)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"*", "x/y", true},
		{"team-a/*", "team-a/app", true},
		{"team-a/*", "team-a/sub/*", true},
		{"team-a/*", "team-ab/app", false},
		{"team-a/app", "team-a/*", false},
		{"a/b", "a/b", true},
	} {
		if got := (Rule{Repos: tc.a}).Covers(Rule{Repos: tc.b}); got != tc.want {
			t.Errorf("%q covers %q = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSecretHides(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{s.String(), s.GoString()} {
		if got == "hunter2" {
			t.Errorf("the secret formats as its value")
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the value")
	}
}
