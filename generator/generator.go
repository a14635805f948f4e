// Package generator renders a model into the recipe's artifacts as bytes:
// auth/httpd.conf, auth/httpd.htpasswd, auth/httpd.groups, auth/domain.crt,
// auth/domain.key and docker-compose.yml. It is pure: it reads no files and
// runs nothing; what it needs from an earlier run comes in Previous.
package generator

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/regsetup/regsetup/model"
)

// Artifact paths, relative to the output folder.
const (
	HTTPDConf   = "auth/httpd.conf"
	HTPasswd    = "auth/httpd.htpasswd"
	Groups      = "auth/httpd.groups"
	Cert        = "auth/domain.crt"
	Key         = "auth/domain.key"
	AuthCache   = "auth/authcache.lua"
	ComposeFile = "docker-compose.yml"
	DataDir     = "data"
)

// File is one rendered artifact.
type File struct {
	Path string      // relative to the output folder, slash-separated
	Data []byte      // the content
	Mode fs.FileMode // permission bits
	// Private files (passwords, key) must not be world-readable but must be
	// readable by the image's daemon group; GID says which.
	Private bool
	GID     int
}

// Previous is what an earlier run left in the output folder, so re-running
// changes nothing that is still right. Missing files are nil.
type Previous struct {
	HTPasswd []byte
	Cert     []byte
	Key      []byte
	// RegistryConfig is the registry's config.yml: its http.secret is kept.
	RegistryConfig []byte
}

// Options tune rendering.
type Options struct {
	// Now is the time generated certificates start at. Default time.Now.
	Now func() time.Time
	// Workers is how many bcrypt hashes run at once. Default: the number of CPUs.
	Workers int
}

// Render returns the artifacts for m, in a fixed order.
func Render(m *model.Model, prev Previous, opts Options) ([]File, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if m.Apache.Include {
		return renderInclude(m, prev, opts)
	}
	conf, err := HTTPDConfig(m)
	if err != nil {
		return nil, err
	}
	cache, err := AuthCacheScript(m)
	if err != nil {
		return nil, err
	}
	c, err := renderCommon(m, prev, opts)
	if err != nil {
		return nil, err
	}
	files := append([]File{{Path: HTTPDConf, Data: conf, Mode: 0o644}}, c.auth...)
	if cache != nil {
		files = append(files, File{Path: AuthCache, Data: cache, Mode: 0o644})
	}
	files = append(files, LDAPFiles(m)...)
	if !m.Deploy.OnSwarm() && !m.Deploy.OnKubernetes() {
		files = append(files, c.compose) // each scaled target has its own file instead
	}
	if m.RegistryConfigured() {
		reg, err := RegistryConfigFile(m, prev)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: RegistryConfig, Data: reg, Mode: 0o600})
	}
	switch m.Deploy.Target {
	case model.TargetKubernetes:
		kube, err := KubernetesFiles(m, files)
		if err != nil {
			return nil, err
		}
		files = append(files, kube...)
	case model.TargetSwarm:
		stack, err := StackYAML(m, files)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: StackFile, Data: stack, Mode: 0o644})
	}
	return files, nil
}

// common are the artifacts every target has: the password and group
// files, the certificate and key (in that order), and the compose file.
type common struct {
	auth    []File
	compose File
}

func renderCommon(m *model.Model, prev Previous, opts Options) (common, error) {
	htpasswd, err := HTPasswdFile(m.Users, m.BcryptCost, prev.HTPasswd, opts.Workers)
	if err != nil {
		return common{}, err
	}
	cert, key, err := certificate(m, prev, opts.Now())
	if err != nil {
		return common{}, err
	}
	compose, err := ComposeYAML(m)
	if err != nil {
		return common{}, err
	}
	return common{
		auth: []File{
			{Path: HTPasswd, Data: htpasswd, Mode: 0o640, Private: true, GID: m.DaemonGID},
			{Path: Groups, Data: GroupFile(m.Groups), Mode: 0o644},
			{Path: Cert, Data: cert, Mode: 0o644},
			{Path: Key, Data: key, Mode: 0o640, Private: true, GID: m.DaemonGID},
		},
		compose: File{Path: ComposeFile, Data: compose, Mode: 0o644},
	}, nil
}

func certificate(m *model.Model, prev Previous, now time.Time) (cert, key []byte, err error) {
	if !m.TLS.Generate {
		return m.TLS.CertPEM, []byte(m.TLS.KeyPEM.Reveal()), nil
	}
	if KeepCertificate(prev.Cert, prev.Key, m.Domain, now) {
		return prev.Cert, prev.Key, nil
	}
	cert, key, err = GenerateCertificate(m.Domain, now)
	if err != nil {
		return nil, nil, fmt.Errorf("generating a certificate for %s: %w", m.Domain, err)
	}
	return cert, key, nil
}
