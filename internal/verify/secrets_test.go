package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

// secretsIn returns every password (and basic auth header value) of ids
// found in text.
func secretsIn(text string, ids ...Identity) []string {
	var found []string
	for _, id := range ids {
		basic := base64.StdEncoding.EncodeToString([]byte(id.User + ":" + id.Password))
		for _, s := range []string{id.Password, basic} {
			if strings.Contains(text, s) {
				found = append(found, s)
			}
		}
	}
	return found
}

// renderAll renders rep in every format, plus the error.
func renderAll(t *testing.T, rep *Report, err error) string {
	t.Helper()
	var b bytes.Buffer
	for _, write := range []func(*bytes.Buffer, *Report) error{
		func(b *bytes.Buffer, r *Report) error { return WriteText(b, r) },
		func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) },
		func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) },
	} {
		if werr := write(&b, rep); werr != nil {
			t.Fatalf("rendering: %v", werr)
		}
	}
	if err != nil {
		b.WriteString(err.Error())
	}
	return b.String()
}

func TestPasswordsNeverInReportsOrErrors(t *testing.T) {
	wrongCfg := Identity{User: pusher.User, Password: "Config-Typo-Secret-55"}
	tests := []struct {
		name         string
		proxy        *fakeProxy
		edit         func(c *Config)
		wantRedacted bool // the raw output did contain a password, which was removed
	}{
		{name: "passing run", proxy: &fakeProxy{pushers: []string{pusher.User}}},
		{name: "failing run", proxy: &fakeProxy{pushers: []string{pusher.User, puller.User}, limitHole: true}},
		{name: "proxy echoes credentials in errors", proxy: &fakeProxy{pushers: []string{pusher.User}, echoCreds: true}, wantRedacted: true},
		{name: "wrong password in config", proxy: &fakeProxy{pushers: []string{pusher.User}}, edit: func(c *Config) { c.Pusher = wrongCfg }},
		{name: "unreachable", proxy: &fakeProxy{}, edit: func(c *Config) { c.Dial = closedPort(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, tt.proxy)
			c := reg.config()
			if tt.edit != nil {
				tt.edit(&c)
			}
			rep, err := Run(context.Background(), c)
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			out := renderAll(t, rep, err)
			if found := secretsIn(out, pusher, puller, other, wrongCfg); len(found) > 0 {
				t.Errorf("passwords in the output: %q\n%s", found, out)
			}
			if got := strings.Contains(out, redacted); got != tt.wantRedacted {
				t.Errorf("output contains %s: %v, want %v", redacted, got, tt.wantRedacted)
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	x := newRedactor(Config{Pusher: pusher, Puller: Identity{User: "p", Password: "abc"}, Users: []Identity{{User: "q", Password: "abcdef"}}})
	x.add(Identity{User: "w", Password: "wrong-1234"})
	basic := base64.StdEncoding.EncodeToString([]byte(pusher.User + ":" + pusher.Password))
	tests := []struct{ in, want string }{
		{"no secrets here", "no secrets here"},
		{"pw=" + pusher.Password, "pw=" + redacted},
		{"Authorization: Basic " + basic, "Authorization: Basic " + redacted},
		{"longest first: abcdef", "longest first: " + redacted},
		{"added later: wrong-1234", "added later: " + redacted},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := x.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
