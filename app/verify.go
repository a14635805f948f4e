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
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
	"github.com/regsetup/regsetup/verify"
)

// ErrChecksFailed is returned when verify ran and a check failed.
var ErrChecksFailed = errors.New("the registry failed a check")

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
	Layers    int
	LayerSize int64
	Progress  func(verify.StepResult)
}

// Verify runs the smoke test against the running stack. The report comes
// back also when checks failed (ErrChecksFailed) or could not run.
func Verify(ctx context.Context, o VerifyOptions) (*verify.Report, error) {
	m, err := spec.Load(o.Paths.Spec, spec.Options{})
	if err != nil {
		return nil, err
	}
	cfg, err := verifyConfig(m, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verify.ErrConfig, err)
	}
	rep, err := verify.Run(ctx, cfg)
	if err != nil {
		return rep, err
	}
	if !rep.OK() {
		return rep, ErrChecksFailed
	}
	return rep, nil
}

func verifyConfig(m *model.Model, o VerifyOptions) (verify.Config, error) {
	host := net.JoinHostPort(m.Domain, strconv.Itoa(m.Port))
	cfg := verify.Config{Host: host, Insecure: o.Insecure, Policy: m, Client: o.Client,
		Repo: o.Repo, Layers: o.Layers, LayerSize: o.LayerSize, Progress: o.Progress}
	dial, err := resolve(o.Resolve, host)
	if err != nil {
		return cfg, err
	}
	cfg.Dial = dial
	if cfg.RootCAs, err = trust(o.CA, filepath.Join(o.OutDir(), generator.Cert)); err != nil {
		return cfg, err
	}
	users := map[string]model.User{}
	for _, u := range m.Users {
		users[u.Name] = u
		if u.Password != "" {
			cfg.Users = append(cfg.Users, verify.Identity{User: u.Name, Password: u.Password.Reveal()})
		}
	}
	if cfg.Pusher, err = pick(m, users, o.PushUser, "push", func(u string) bool { return m.CanPush(u) }); err != nil {
		return cfg, err
	}
	cfg.Puller, err = pick(m, users, o.PullUser, "pull-only", func(u string) bool { return m.CanPull(u) && !m.CanPush(u) })
	return cfg, err
}

// pick returns the named user, or the first one (in spec order) that fits
// the role and has a password verify can log in with.
func pick(m *model.Model, users map[string]model.User, name, role string, fits func(string) bool) (verify.Identity, error) {
	if name != "" {
		u, ok := users[name]
		if !ok {
			return verify.Identity{}, fmt.Errorf("--%s-user %q is not a user of the spec", strings.TrimSuffix(role, "-only"), name)
		}
		if u.Password == "" {
			return verify.Identity{}, fmt.Errorf("user %q is given as a bcrypt hash; verify needs its password", name)
		}
		return verify.Identity{User: u.Name, Password: u.Password.Reveal()}, nil
	}
	for _, u := range m.Users {
		if u.Password != "" && fits(u.Name) {
			return verify.Identity{User: u.Name, Password: u.Password.Reveal()}, nil
		}
	}
	return verify.Identity{}, fmt.Errorf("the spec has no %s user with a password (given as password, password_env or password_file)", role)
}

// resolve turns HOST:PORT:ADDR into the address to dial.
func resolve(r, host string) (string, error) {
	if r == "" {
		return "", nil
	}
	parts := strings.SplitN(r, ":", 3)
	if len(parts) != 3 || net.JoinHostPort(parts[0], parts[1]) != host || parts[2] == "" {
		return "", fmt.Errorf("--resolve %q: want %s:ADDR", r, host)
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
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s holds no PEM certificate", caFile)
		}
		return pool, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(stackCert); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return pool, nil
}
