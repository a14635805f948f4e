package generator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"

	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

// RegistryConfig is the registry's own config.yml, rendered when the
// model needs more than the image's (model.RegistryConfigured). It holds
// the shared http.secret and any storage keys: 0600, and outside auth/,
// which Apache reads.
const RegistryConfig = "registry/config.yml"

// RegistryConfigPath is where the registry image reads its config.
const RegistryConfigPath = "/etc/docker/registry/config.yml"

// registryConfig is distribution's configuration, only the parts
// regsetup sets, in the order config-example.yml writes them.
type registryConfig struct {
	Version string                   `yaml:"version"`
	Log     registryLog              `yaml:"log"`
	Storage registryStorage          `yaml:"storage"`
	HTTP    registryHTTP             `yaml:"http"`
	Health  map[string]storageHealth `yaml:"health"`
}

type registryLog struct {
	Fields map[string]string `yaml:"fields"`
}

type registryStorage struct {
	Filesystem *filesystemDriver `yaml:"filesystem,omitempty"`
	S3         *s3Driver         `yaml:"s3,omitempty"`
	Cache      *storageCache     `yaml:"cache,omitempty"`
	Delete     enabled           `yaml:"delete"`
	Redirect   disabled          `yaml:"redirect"`
}

type filesystemDriver struct {
	RootDirectory string `yaml:"rootdirectory"`
}

// s3Driver is the s3-aws driver's parameters. With regionendpoint set,
// registry 2.8 addresses the bucket by path, as S3-compatible servers
// expect.
type s3Driver struct {
	AccessKey      string `yaml:"accesskey"`
	SecretKey      string `yaml:"secretkey"`
	Region         string `yaml:"region"`
	RegionEndpoint string `yaml:"regionendpoint,omitempty"`
	Bucket         string `yaml:"bucket"`
	Secure         bool   `yaml:"secure"`
	V4Auth         bool   `yaml:"v4auth"`
	RootDirectory  string `yaml:"rootdirectory,omitempty"`
}

type storageCache struct {
	BlobDescriptor string `yaml:"blobdescriptor"`
}

type enabled struct {
	Enabled bool `yaml:"enabled"`
}

type disabled struct {
	Disable bool `yaml:"disable"`
}

type registryHTTP struct {
	Addr   string `yaml:"addr"`
	Secret string `yaml:"secret"`
}

type storageHealth struct {
	Enabled   bool   `yaml:"enabled"`
	Interval  string `yaml:"interval"`
	Threshold int    `yaml:"threshold"`
}

// RegistryConfigFile renders config.yml. The http.secret signs upload
// state between requests, so every replica must share it and it must
// survive re-renders (an upload in flight across a rollout): it is read
// back from prev and generated only the first time.
func RegistryConfigFile(m *model.Model, prev Previous) ([]byte, error) {
	secret := previousSecret(prev.RegistryConfig)
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("generating the registry's http.secret: %w", err)
		}
		secret = hex.EncodeToString(b)
	}
	c := registryConfig{
		Version: "0.1",
		Log:     registryLog{Fields: map[string]string{"service": "registry"}},
		HTTP:    registryHTTP{Addr: fmt.Sprintf(":%d", registryPort), Secret: secret},
		// The image's own check: a storage driver that stops answering
		// makes /v2/ answer 503, so a probe takes the replica out.
		Health: map[string]storageHealth{"storagedriver": {Enabled: true, Interval: "10s", Threshold: 3}},
	}
	// Clients only ever talk to Apache: a redirect to the bucket would
	// bypass the proxy's access control (and reach a host they cannot).
	c.Storage.Redirect.Disable = true
	if m.Deploy.Replicas.Registry <= 1 {
		// Per process: with more replicas one would go on answering for a
		// blob another deleted.
		c.Storage.Cache = &storageCache{BlobDescriptor: "inmemory"}
	}
	switch m.Storage.Driver {
	case model.StorageS3:
		c.Storage.S3 = s3Params(m.Storage.S3)
	default:
		c.Storage.Filesystem = &filesystemDriver{RootDirectory: RegistryDataDir}
	}
	var b bytes.Buffer
	b.WriteString("# The registry's config.yml, rendered by regsetup. It holds secrets: keep it 0600.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", RegistryConfig, err)
	}
	return b.Bytes(), nil
}

func s3Params(s *model.S3) *s3Driver {
	d := &s3Driver{
		AccessKey:     s.AccessKey.Reveal(),
		SecretKey:     s.SecretKey.Reveal(),
		Region:        s.Region,
		Bucket:        s.Bucket,
		Secure:        true,
		V4Auth:        true,
		RootDirectory: s.RootDirectory,
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err == nil && u.Scheme == "http" {
			d.Secure = false // allowed by the spec's allow_plaintext
		}
		d.RegionEndpoint = s.Endpoint
	}
	return d
}

// secretRE is a secret this package wrote: 64 hex digits.
var secretRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// previousSecret is the http.secret of an earlier config.yml, or "".
func previousSecret(data []byte) string {
	var c struct {
		HTTP struct {
			Secret string `yaml:"secret"`
		} `yaml:"http"`
	}
	if yaml.Unmarshal(data, &c) != nil || !secretRE.MatchString(c.HTTP.Secret) {
		return ""
	}
	return c.HTTP.Secret
}
