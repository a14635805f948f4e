package verify

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRunPrecheck: a pre-flight alone is one step; its failure carries
// its detail lines into the report, and the text says it was the
// directory only.
func TestRunPrecheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Precheck
		ok   bool
		text []string
	}{
		{"passes", func(context.Context) (string, []string, error) { return "8 of 8 checks passed", nil, nil }, true,
			[]string{"(the directory only)", "PASS  directory", "8 of 8 checks passed"}},
		{"fails", func(context.Context) (string, []string, error) {
			return "", []string{"dc1:389: cannot reach the server"}, errors.New("1 of 1 checks failed")
		}, false, []string{"FAIL  directory", "1 of 1 checks failed", "- dc1:389: cannot reach the server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := RunPrecheck(context.Background(), "registry.example:5043", tc.p)
			if rep.OK() != tc.ok || len(rep.Steps) != 1 || rep.Steps[0].Name != StepDirectory {
				t.Fatalf("report: %+v", rep)
			}
			var b bytes.Buffer
			if err := WriteText(&b, rep); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.text {
				if !strings.Contains(b.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}

// TestExplainDeclared: a declared identity's wrong cell names the
// identity, the repository, expected against got, and the declaration.
func TestExplainDeclared(t *testing.T) {
	row := MatrixRow{Identity: "bob", User: "bob", Path: "/v2/team/app/manifests/" + zeroDigest, note: declaredNote(Identity{User: "bob", Declared: true, Groups: []string{"pushers"}})}
	c := MatrixCell{Method: "PUT", Allowed: true}
	c.classify(403)
	want := "bob on repository team/app (PUT /v2/team/app/manifests/sha256:0000...): expected to reach the registry, got denied (403 Forbidden); the spec declares bob in pushers"
	if got := row.Explain(c); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	plain := MatrixRow{Identity: "alice", Path: "/v2/"}
	if got := plain.Explain(c); !strings.HasPrefix(got, "alice PUT /v2/: denied (403 Forbidden)") {
		t.Errorf("an identity the spec does not declare: %s", got)
	}
}
