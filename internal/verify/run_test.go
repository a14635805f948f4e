package verify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// allSteps is every step in order.
var allSteps = []string{StepTLS, StepAnonymousChallenge, StepLogin, StepPush, StepPull, StepDeniedPush, StepAnonymousPull, StepMatrix}

// statuses builds a want map: every step pass except the ones given.
func statuses(overrides map[string]Status) map[string]Status {
	m := map[string]Status{}
	for _, s := range allSteps {
		m[s] = StatusPass
	}
	for k, v := range overrides {
		m[k] = v
	}
	return m
}

func skipAfterTLS(tls Status) map[string]Status {
	m := map[string]Status{StepTLS: tls}
	for _, s := range allSteps[1:] {
		m[s] = StatusSkip
	}
	return m
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		proxy   *fakeProxy
		edit    func(c *Config)
		want    map[string]Status
		wantIn  map[string][]string // step → substrings of its message and details
		wantErr error
	}{
		{
			name:  "correct proxy passes",
			proxy: &fakeProxy{pushers: []string{pusher.User}},
			want:  statuses(nil),
			wantIn: map[string][]string{
				StepPush:   {"pushed registry.test:", "(2 layers,", "as testuserpush"},
				StepMatrix: {"all 200 requests answered as the policy says"},
			},
		},
		{
			name:  "puller in the pusher group can push",
			proxy: &fakeProxy{pushers: []string{pusher.User, puller.User}},
			want:  statuses(map[string]Status{StepDeniedPush: StatusFail, StepMatrix: StatusFail}),
			wantIn: map[string][]string{
				StepDeniedPush: {"testuser (pull only) could push", "access rules are broken", "now points to"},
				StepMatrix:     {"testuser POST /v2/regsetup-verify/smoke/blobs/uploads/: reached the registry", "want denied"},
			},
		},
		{
			name:  "recipe <Limit> hole lets other methods through anonymously",
			proxy: &fakeProxy{pushers: []string{pusher.User}, limitHole: true},
			want:  statuses(map[string]Status{StepMatrix: StatusFail}),
			wantIn: map[string][]string{StepMatrix: {
				"anonymous OPTIONS /v2/: reached the registry",
				"anonymous FOOBAR /v2/: reached the registry",
				"anonymous get /v2/: reached the registry",
				"anonymous TRACE /v2/: reached the registry",
				"testuserpush (wrong password) OPTIONS /v2/: reached the registry",
				"testuser OPTIONS /v2/regsetup-verify/smoke/manifests/sha256:0000...: reached the registry",
			}},
		},
		{
			name:   "wrong CA",
			proxy:  &fakeProxy{pushers: []string{pusher.User}},
			edit:   func(c *Config) { c.RootCAs = newTestCA(t, "registry.test").pool },
			want:   skipAfterTLS(StatusFail),
			wantIn: map[string][]string{StepTLS: {"TLS invalid", "does not chain to the trusted CAs"}, StepLogin: {"tls step did not pass"}},
		},
		{
			name:   "wrong CA but insecure asked for",
			proxy:  &fakeProxy{pushers: []string{pusher.User}},
			edit:   func(c *Config) { c.RootCAs, c.Insecure = newTestCA(t, "registry.test").pool, true },
			want:   statuses(nil),
			wantIn: map[string][]string{StepTLS: {"certificate NOT verified (insecure)"}},
		},
		{
			name:   "certificate does not name the host",
			proxy:  &fakeProxy{pushers: []string{pusher.User}},
			edit:   func(c *Config) { c.Host = "elsewhere.test:" + strings.Split(c.Host, ":")[1] },
			want:   skipAfterTLS(StatusFail),
			wantIn: map[string][]string{StepTLS: {"does not name elsewhere.test (it names registry.test, 127.0.0.1)"}},
		},
		{
			name:  "wrong pusher password in the config",
			proxy: &fakeProxy{pushers: []string{pusher.User}},
			edit:  func(c *Config) { c.Pusher.Password = "not-the-Password-1" },
			want: statuses(map[string]Status{StepLogin: StatusFail, StepPush: StatusSkip,
				StepPull: StatusSkip, StepDeniedPush: StatusSkip}),
			wantIn: map[string][]string{
				StepLogin:  {"GET /v2/ as testuserpush got 401 Unauthorized, want 200 OK"},
				StepPush:   {"testuserpush could not log in"},
				StepMatrix: {"skipped"},
			},
		},
		{
			name:    "nothing listens",
			proxy:   &fakeProxy{pushers: []string{pusher.User}},
			edit:    func(c *Config) { c.Dial = closedPort(t) },
			want:    skipAfterTLS(StatusError),
			wantIn:  map[string][]string{StepTLS: {"unreachable", "connection refused"}, StepLogin: {"unreachable"}},
			wantErr: ErrUnreachable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, tt.proxy)
			c := reg.config()
			if tt.edit != nil {
				tt.edit(&c)
			}
			rep, err := Run(context.Background(), c)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Run error = %v, want %v", err, tt.wantErr)
			}
			if rep == nil {
				t.Fatal("Run returned no report")
			}
			checkReport(t, rep, tt.want, tt.wantIn)
			if gotOK, wantOK := rep.OK(), tt.want[StepMatrix] == StatusPass && tt.want[StepPush] == StatusPass; gotOK != wantOK {
				t.Errorf("OK() = %v, want %v", gotOK, wantOK)
			}
			if got, want := rep.CouldNotRun(), tt.wantErr != nil; got != want {
				t.Errorf("CouldNotRun() = %v, want %v", got, want)
			}
		})
	}
}

// checkReport compares step statuses and looks for message fragments.
func checkReport(t *testing.T, rep *Report, want map[string]Status, wantIn map[string][]string) {
	t.Helper()
	if len(rep.Steps) != len(allSteps) {
		t.Fatalf("got steps %s, want %d steps", stepStatuses(rep), len(allSteps))
	}
	for i, s := range rep.Steps {
		if s.Name != allSteps[i] {
			t.Errorf("step %d is %q, want %q", i, s.Name, allSteps[i])
		}
		if s.Status != want[s.Name] {
			t.Errorf("step %s: status %s (%s), want %s", s.Name, s.Status, s.Message, want[s.Name])
		}
		if s.Message == "" {
			t.Errorf("step %s has no message", s.Name)
		}
	}
	for name, frags := range wantIn {
		s, _ := rep.Step(name)
		text := s.Message + "\n" + strings.Join(s.Details, "\n")
		for _, f := range frags {
			if !strings.Contains(text, f) {
				t.Errorf("step %s: %q not in:\n%s", name, f, text)
			}
		}
	}
}

func TestRunSendsMethodsVerbatimAndKeepsTheImage(t *testing.T) {
	reg := startRegistry(t, &fakeProxy{pushers: []string{pusher.User}})
	c := reg.config()
	c.Tag = "fixed-tag"
	var seen []string
	c.Progress = func(s StepResult) { seen = append(seen, s.Name) }
	rep, err := Run(context.Background(), c)
	if err != nil || !rep.OK() {
		t.Fatalf("Run = %v, %s", err, stepStatuses(rep))
	}
	for _, m := range []string{"get", "FOOBAR", "TRACE", "OPTIONS", "DELETE"} {
		if !reg.proxy.saw(m) {
			t.Errorf("the proxy never saw method %q", m)
		}
	}
	if strings.Join(seen, ",") != strings.Join(allSteps, ",") {
		t.Errorf("progress saw %v, want %v", seen, allSteps)
	}
	// The matrix's DELETE and PUT must not have touched the test image.
	auth := authn.FromConfig(authn.AuthConfig{Username: pusher.User, Password: pusher.Password})
	if _, err := remote.Head(mustTag(t, c.Host+"/"+c.Repo+":fixed-tag"), remote.WithTransport(reg.transport()), remote.WithAuth(auth)); err != nil {
		t.Fatalf("the test image is gone after the run: %v", err)
	}
	if rep.Image != c.Host+"/"+c.Repo+":fixed-tag" {
		t.Errorf("report image %q", rep.Image)
	}
}

func TestRunPlainHTTPIsATLSFailureNotUnreachable(t *testing.T) {
	reg := startRegistry(t, &fakeProxy{pushers: []string{pusher.User}})
	plain := newPlainServer(t)
	c := reg.config()
	c.Dial = plain
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run error = %v, want a failed check", err)
	}
	checkReport(t, rep, skipAfterTLS(StatusFail), map[string][]string{StepTLS: {"TLS handshake with"}})
}

func TestRunBadConfig(t *testing.T) {
	good := Config{Host: "r.test:5043", Pusher: pusher, Puller: puller, Policy: specPolicy(pusher.User)}
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no host", func(c *Config) { c.Host = "" }, "host is required"},
		{"scheme in host", func(c *Config) { c.Host = "https://r.test" }, "without a scheme"},
		{"no pusher password", func(c *Config) { c.Pusher.Password = "" }, "pusher user and password"},
		{"same users", func(c *Config) { c.Puller = c.Pusher }, "must be different users"},
		{"no policy", func(c *Config) { c.Policy = nil }, "policy is required"},
		{"bad client", func(c *Config) { c.Client = "podman" }, `client "podman"`},
		{"bad tag", func(c *Config) { c.Tag = "a:b" }, "not a valid tag"},
		{"negative layers", func(c *Config) { c.Layers = -1 }, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			rep, err := Run(context.Background(), c)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) || rep != nil {
				t.Fatalf("Run = %v, %v; want nil and an ErrConfig mentioning %q", rep, err, tt.want)
			}
			for _, p := range []string{pusher.Password, puller.Password} {
				if strings.Contains(err.Error(), p) {
					t.Errorf("error %q contains a password", err)
				}
			}
		})
	}
}
