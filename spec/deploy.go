package spec

import (
	"net/url"
	"regexp"

	"github.com/regsetup/regsetup/model"
)

// Deploy is where the stack runs.
type Deploy struct {
	// Target is "compose" (default: one machine, docker-compose.yml),
	// "swarm" (stack.yml for `docker stack deploy`) or "kubernetes"
	// (kubernetes/ with a kustomization.yaml for `kubectl apply -k`).
	Target string `yaml:"target"`
	// Replicas is how many Apache and registry tasks run. Default 1 each
	// with compose (the only value it takes), 2 each otherwise.
	Replicas Replicas `yaml:"replicas"`
}

// Replicas counts each service's tasks.
type Replicas struct {
	Apache   int `yaml:"apache"`
	Registry int `yaml:"registry"`
}

// Storage is where the registry keeps images.
type Storage struct {
	// Driver is "filesystem" (default: ./data with compose, one shared
	// volume otherwise) or "s3".
	Driver string `yaml:"driver"`
	// S3 is the bucket, with driver s3.
	S3 *S3 `yaml:"s3"`
}

// S3 is an S3-compatible bucket. The keys come from exactly one of *_env
// (an environment variable) or *_file (a file, relative to the spec).
type S3 struct {
	// Endpoint is the server's URL (https://s3.internal:8333); leave it
	// out for AWS itself.
	Endpoint string `yaml:"endpoint"`
	// Bucket must exist. Required.
	Bucket string `yaml:"bucket"`
	// Region is the bucket's region. Default us-east-1.
	Region string `yaml:"region"`
	// RootDirectory is a prefix inside the bucket (/registry). Default:
	// the bucket's root.
	RootDirectory string `yaml:"root_directory"`
	// AllowPlaintext accepts an http:// endpoint: images cross the network
	// in clear (the keys do not: requests are signed). Default false.
	AllowPlaintext bool   `yaml:"allow_plaintext"`
	AccessKeyEnv   string `yaml:"access_key_env"`
	AccessKeyFile  string `yaml:"access_key_file"`
	SecretKeyEnv   string `yaml:"secret_key_env"`
	SecretKeyFile  string `yaml:"secret_key_file"`
}

// Deploy and storage defaults.
const (
	// DefaultScaledReplicas is each service's count on Swarm and
	// Kubernetes: one task may fail or be replaced while the other serves.
	DefaultScaledReplicas = 2
	// DefaultS3Region is what S3-compatible servers accept when they
	// ignore regions, and AWS's oldest.
	DefaultS3Region = "us-east-1"
	// maxReplicas bounds a typing error (2000 for 20).
	maxReplicas = 100
)

// setDeployDefaults fills deploy and storage; a written zero (replicas:
// {apache: 0}) is kept, so validation reports it.
func setDeployDefaults(s *Spec, written positions) {
	if s.Deploy.Target == "" {
		s.Deploy.Target = model.TargetCompose
	}
	n := DefaultScaledReplicas
	if s.Deploy.Target == model.TargetCompose {
		n = 1 // one of each on one machine: Apache publishes the port
	}
	if _, ok := written["deploy.replicas.apache"]; !ok {
		s.Deploy.Replicas.Apache = n
	}
	if _, ok := written["deploy.replicas.registry"]; !ok {
		s.Deploy.Replicas.Registry = n
	}
	if s.Storage.Driver == "" {
		s.Storage.Driver = model.StorageFilesystem
	}
	if s.Storage.S3 != nil && s.Storage.S3.Region == "" {
		s.Storage.S3.Region = DefaultS3Region
	}
}

var (
	// bucketRE is S3's bucket naming rule (without the IP-address and
	// xn-- exceptions, which the server reports).
	bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// rootDirRE is a slash-separated key prefix of plain names.
	rootDirRE = regexp.MustCompile(`^(/[A-Za-z0-9._-]+)+$`)
)

// deploy checks deploy and storage and returns the model's view of them.
func (c *checker) deploy(s *Spec) (model.Deploy, model.Storage) {
	d := s.Deploy
	switch d.Target {
	case model.TargetCompose, model.TargetSwarm, model.TargetKubernetes:
	default:
		c.addf("deploy.target", "want %q, %q or %q, got %s", model.TargetCompose, model.TargetSwarm, model.TargetKubernetes, printable(d.Target))
	}
	for field, n := range map[string]int{"deploy.replicas.apache": d.Replicas.Apache, "deploy.replicas.registry": d.Replicas.Registry} {
		switch {
		case n < 1 || n > maxReplicas:
			c.addf(field, "%d is out of range 1-%d", n, maxReplicas)
		case n != 1 && d.Target == model.TargetCompose:
			c.addf(field, "compose runs one of each service on one machine: set deploy.target to %q or %q for replicas", model.TargetSwarm, model.TargetKubernetes)
		}
	}
	st := model.Storage{Driver: s.Storage.Driver}
	switch st.Driver {
	case model.StorageFilesystem:
		if s.Storage.S3 != nil {
			c.addf("storage.s3", "needs storage.driver %q", model.StorageS3)
		}
	case model.StorageS3:
		if s.Storage.S3 == nil {
			c.addf("storage.s3", "required with storage.driver %q: the bucket and its keys", model.StorageS3)
		} else {
			st.S3 = c.s3(s.Storage.S3)
		}
	default:
		c.addf("storage.driver", "want %q or %q, got %s", model.StorageFilesystem, model.StorageS3, printable(st.Driver))
	}
	scaled := d.Target != model.TargetCompose || st.Driver != model.StorageFilesystem
	switch {
	case scaled && s.Profile == string(model.ProfileRecipe):
		c.addf(firstWritten(c.pos, "deploy", "storage"), "needs the secure profile: the recipe is one Apache and one registry with Compose on ./data")
	case d.Target != model.TargetCompose && s.Apache.Mode == ModeInclude:
		c.addf("deploy.target", "%q needs apache.mode %q: with include, your own Apache is the proxy", d.Target, ModeContainer)
	case st.Driver != model.StorageFilesystem && s.Apache.Mode == ModeInclude:
		c.addf("storage.driver", "%q is not available with apache.mode %q yet", st.Driver, ModeInclude)
	}
	if d.Target == model.TargetSwarm && st.Driver == model.StorageFilesystem && d.Replicas.Registry > 1 {
		c.warnf("storage.driver", "%d registry replicas on the filesystem driver: every node that runs one must see the same data folder (one node, or a shared filesystem); use storage.driver %q across nodes", d.Replicas.Registry, model.StorageS3)
	}
	return model.Deploy{Target: d.Target, Replicas: model.Replicas{Apache: d.Replicas.Apache, Registry: d.Replicas.Registry}}, st
}

// firstWritten is the first of fields the spec writes, for an error about
// either.
func firstWritten(pos positions, fields ...string) string {
	for _, f := range fields {
		if _, ok := pos[f]; ok {
			return f
		}
	}
	return fields[0]
}

// s3 checks the bucket's fields and reads its keys.
func (c *checker) s3(in *S3) *model.S3 {
	out := &model.S3{Endpoint: in.Endpoint, Bucket: in.Bucket, Region: in.Region, RootDirectory: in.RootDirectory}
	if in.Endpoint != "" {
		c.s3Endpoint(in)
	}
	switch {
	case in.Bucket == "":
		c.addf("storage.s3.bucket", "required: the bucket's name")
	case !bucketRE.MatchString(in.Bucket):
		c.addf("storage.s3.bucket", "%s is not a bucket name (3-63 lower-case letters, digits, '.' and '-')", printable(in.Bucket))
	}
	if !regionRE.MatchString(in.Region) {
		c.addf("storage.s3.region", "%s is not a region name (lower-case letters, digits and '-')", printable(in.Region))
	}
	if in.RootDirectory != "" && !rootDirRE.MatchString(in.RootDirectory) {
		c.addf("storage.s3.root_directory", "%s is not a key prefix: want /name[/name...] of letters, digits, '.', '_' and '-'", printable(in.RootDirectory))
	}
	out.AccessKey = c.secretSource("storage.s3.access_key", in.AccessKeyEnv, in.AccessKeyFile)
	out.SecretKey = c.secretSource("storage.s3.secret_key", in.SecretKeyEnv, in.SecretKeyFile)
	return out
}

func (c *checker) s3Endpoint(in *S3) {
	const field = "storage.s3.endpoint"
	u, err := url.Parse(in.Endpoint)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		c.addf(field, "%s is not a URL such as https://s3.internal:8333", printable(in.Endpoint))
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		c.addf(field, "want only scheme, host and port (the bucket is storage.s3.bucket), got %s", printable(in.Endpoint))
	case u.Scheme == "http" && !in.AllowPlaintext:
		c.addf(field, "http:// sends every image in clear: use https, or set storage.s3.allow_plaintext: true")
	case u.Scheme != "http" && u.Scheme != "https":
		c.addf(field, "want an https:// (or, with allow_plaintext, http://) URL, got scheme %s", printable(u.Scheme))
	case !isHostname(u.Hostname()):
		c.addf(field, "%s is not a host name or an IPv4 address", printable(u.Hostname()))
	}
}
