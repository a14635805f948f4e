package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/internal/tlsdial"
	"github.com/regsetup/regsetup/internal/verify"
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
)

// ErrChecksFailed is returned when verify ran and a check failed.
var ErrChecksFailed = errors.New("the registry failed a check")

// ErrBadOption is wrapped by the error Verify returns for an option value
// that cannot work (an unknown client, a malformed --resolve, a --ca file
// that is missing or holds no certificate, a user the spec does not
// have): a mistake on the command line, not a registry problem.
var ErrBadOption = errors.New("bad verify option")

// VerifyOptions tune Verify.
type VerifyOptions struct {
	Paths
	CA        string // trusted CA file; default: the stack's auth/domain.crt plus the system roots
	Insecure  bool   // skip TLS verification
	Resolve   string // HOST:PORT:ADDR, like curl --resolve
	Client    string // "ggcr" (default) or "docker"
	PushUser  string // default: the first user who may push
	PullUser  string // default: the first user who may pull but not push
	Repo      string
	Tag       string // the one tag every run pushes to; default verify.DefaultTag
	Cleanup   string // "previous" (default), "all" or "none": see verify.CleanupMode
	Layers    int
	LayerSize int64
	Progress  func(verify.StepResult)
	// Directory: DirectoryCheck ("" too) runs the directory's pre-flight
	// first (with auth.backend: ldap), DirectoryOnly runs only it,
	// DirectorySkip leaves it out (for a verify run from where the
	// directory cannot be reached).
	Directory string
	// Project (deploy.target swarm) is the stack's name; default: from
	// the output folder, as up names it.
	Project string
}

// Verify runs the smoke test against the running stack. The report comes
// back also when checks failed (ErrChecksFailed) or could not run.
func Verify(ctx context.Context, o VerifyOptions) (*verify.Report, error) {
	if err := checkOptions(o); err != nil {
		return nil, err
	}
	m, err := spec.Load(o.Paths.Spec, spec.Options{VerifyPasswords: true})
	if err != nil {
		return nil, err
	}
	if o.Directory == DirectoryOnly {
		return verifyDirectoryOnly(ctx, m)
	}
	cfg, err := verifyConfig(m, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrConfig, err)
	}
	if m.Apache.Include {
		if err := checkInclude(ctx, cfg); err != nil {
			return nil, err
		}
	}
	rep, err := runTarget(ctx, m, o, cfg)
	if err != nil {
		return rep, err
	}
	if !rep.OK() {
		return rep, ErrChecksFailed
	}
	return rep, nil
}

// runTarget runs the checks once, or with target swarm (and no
// --resolve) once through each Apache task's published port.
func runTarget(ctx context.Context, m *model.Model, o VerifyOptions, cfg verify.Config) (*verify.Report, error) {
	if m.Deploy.Target != model.TargetSwarm || o.Resolve != "" {
		return verify.Run(ctx, cfg)
	}
	eps, err := deploy.SwarmEndpoints(ctx, deploy.Options{Dir: o.OutDir(), Project: o.Project, Port: m.Port})
	if err != nil {
		return nil, fmt.Errorf("%w: finding the apache tasks: %w", verify.ErrUnreachable, err)
	}
	var addrs []string
	for _, ep := range eps {
		addrs = append(addrs, ep.Addr)
	}
	return verify.RunEach(ctx, cfg, addrs)
}

func verifyConfig(m *model.Model, o VerifyOptions) (verify.Config, error) {
	host := net.JoinHostPort(m.Domain, strconv.Itoa(m.Port))
	cfg := verify.Config{Host: host, Insecure: o.Insecure, Policy: m, Client: o.Client,
		Tag: o.Tag, Cleanup: verify.CleanupMode(o.Cleanup),
		Layers: o.Layers, LayerSize: o.LayerSize, Progress: o.Progress}
	dial, err := resolve(o.Resolve, host)
	if err != nil {
		return cfg, err
	}
	cfg.Dial = dial
	if cfg.RootCAs, err = trust(o.CA, filepath.Join(o.OutDir(), generator.Cert)); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	if m.LDAP != nil && o.Directory != DirectorySkip {
		cfg.Directory = directoryPrecheck(m.LDAP)
	}
	for _, c := range candidates(m) {
		if c.Password != "" {
			cfg.Users = append(cfg.Users, c)
		}
	}
	repos := candidateRepos(m, o.Repo)
	cfg.MatrixRepos = repos
	var problems []string
	bad := false
	for _, repo := range repos {
		r := roles{m: m, repo: repo}
		pusher, perr := r.pick(o.PushUser, "push", m.CanPush)
		puller, lerr := r.pick(o.PullUser, "pull-only", func(u, repo string) bool { return m.CanPull(u, repo) && !m.CanPush(u, repo) })
		if perr == nil && lerr == nil {
			cfg.Repo, cfg.Pusher, cfg.Puller = repo, pusher, puller
			return cfg, nil
		}
		err := errors.Join(perr, lerr)
		bad = bad || errors.Is(err, ErrBadOption)
		problems = append(problems, err.Error())
	}
	if bad {
		return cfg, fmt.Errorf("%w: %s", ErrBadOption, strings.Join(problems, "; "))
	}
	return cfg, errors.New(strings.Join(problems, "; "))
}

// candidateRepos are the repositories verify may test: the one asked for,
// or one per access rule (plus one that no rule names, to see it denied).
func candidateRepos(m *model.Model, asked string) []string {
	if asked != "" {
		return []string{asked}
	}
	if len(m.Access.Rules) == 0 {
		return []string{verify.DefaultRepo}
	}
	var repos []string
	for _, r := range m.Access.Rules {
		repos = append(repos, r.SampleRepo())
	}
	if !m.Allowed("", "GET", "/v2/regsetup-unruled/smoke/manifests/latest") {
		repos = append(repos, "regsetup-unruled/smoke")
	}
	return repos
}

// roles picks the users who play the pusher and the pull-only user on repo.
type roles struct {
	m    *model.Model
	repo string
}

// pick returns the named user, or the first one (local users in spec
// order, then verify.identities) that fits the role on the repository
// and has a password verify can log in with.
func (r roles) pick(name, role string, fits func(user, repo string) bool) (verify.Identity, error) {
	for _, c := range candidates(r.m) {
		if name != "" && c.User != name {
			continue
		}
		if c.Password == "" {
			if name != "" {
				return verify.Identity{}, fmt.Errorf("%w: user %q is given as a bcrypt hash; verify needs its password (give it in verify.identities)", ErrBadOption, name)
			}
			continue
		}
		if fits(c.User, r.repo) {
			return c, nil
		}
		if name != "" {
			return verify.Identity{}, fmt.Errorf("%w: user %q is not a %s user of %s", ErrBadOption, name, role, r.repo)
		}
	}
	if name != "" {
		return verify.Identity{}, fmt.Errorf("%w: %q is not a user of the spec", ErrBadOption, name)
	}
	return verify.Identity{}, fmt.Errorf("%s: the spec has no %s user with a password (password, password_env or password_file, or an entry of verify.identities)", r.repo, role)
}

// candidates are the accounts verify may sign in as: the local users
// (with the password of their verify.identities entry when the spec has
// only a hash), then the directory accounts of verify.identities with the
// memberships the spec declares.
func candidates(m *model.Model) []verify.Identity {
	var out []verify.Identity
	for _, u := range m.Users {
		pw := u.Password
		if id, ok := m.Identity(u.Name); ok && pw == "" {
			pw = id.Password
		}
		out = append(out, verify.Identity{User: u.Name, Password: pw.Reveal()})
	}
	for _, id := range m.VerifyIdentities {
		if !id.Local {
			out = append(out, verify.Identity{User: id.Name, Password: id.Password.Reveal(), Declared: true, Groups: id.DirGroups})
		}
	}
	return out
}

// resolve turns HOST:PORT:ADDR into the address to dial.
func resolve(r, host string) (string, error) {
	if r == "" {
		return "", nil
	}
	parts := strings.SplitN(r, ":", 3)
	if len(parts) != 3 || net.JoinHostPort(parts[0], parts[1]) != host || parts[2] == "" {
		return "", fmt.Errorf("%w: --resolve %q: want %s:ADDR", ErrBadOption, r, host)
	}
	return net.JoinHostPort(strings.Trim(parts[2], "[]"), parts[1]), nil
}

// trust is the CA file given, or the system roots plus the stack's cert.
func trust(caFile, stackCert string) (*x509.CertPool, error) {
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca: %w", err)
		}
		pool, err := tlsdial.OnlyRoots(pem)
		if err != nil {
			return nil, fmt.Errorf("--ca %s: %w", caFile, err)
		}
		return pool, nil
	}
	return tlsdial.SystemRootsWith(stackCert), nil
}
