package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
)

// Identity is a user of the registry. An empty User is the anonymous user.
type Identity struct {
	User     string
	Password string
	// Declared marks an account of the spec's verify.identities: the
	// sign-in step signs in as it, and a matrix cell that disagrees with
	// the policy names Groups, the memberships the spec declares.
	Declared bool
	Groups   []string
}

// Policy says what the proxy should allow. The caller implements it from
// the spec.
type Policy interface {
	// Allowed reports whether user ("" = anonymous) may send method to the
	// URL path (which starts with /v2), i.e. whether the proxy should pass
	// the request on to the registry. It is never asked about a user with a
	// wrong password: such requests must always be denied.
	Allowed(user, method, path string) bool
}

// PolicyFunc adapts a function to the Policy interface.
type PolicyFunc func(user, method, path string) bool

// Allowed calls f.
func (f PolicyFunc) Allowed(user, method, path string) bool { return f(user, method, path) }

// Client names for Config.Client.
const (
	ClientGGCR   = "ggcr"
	ClientDocker = "docker"
)

// Defaults used by Run for zero Config fields.
const (
	DefaultRepo      = "regsetup-verify/smoke"
	DefaultTag       = "verify"
	DefaultLayers    = 3
	DefaultLayerSize = 1 << 20
	DefaultTimeout   = 30 * time.Second
)

// ErrConfig is wrapped by the error Run returns for an unusable Config.
var ErrConfig = errors.New("invalid verify configuration")

// ErrUnreachable is wrapped by the error Run returns when nothing answered
// at the registry's address, so no check could run.
var ErrUnreachable = errors.New("registry unreachable")

// Config says what to check and how.
type Config struct {
	Host     string         // e.g. "myregistrydomain.com:5043": TLS name and Host header; port 443 if none
	Dial     string         // optional "ADDR[:PORT]" to connect to instead of Host (like curl --resolve)
	RootCAs  *x509.CertPool // trusted roots; nil = the system roots
	Insecure bool           // skip TLS verification (only when the user asks)

	Pusher Identity   // a user who may push Repo
	Puller Identity   // a user who may pull but not push Repo
	Users  []Identity // all users known from the spec, for the matrix (optional)
	Policy Policy     // what the proxy should allow
	// Directory, when set, is the first step (StepDirectory): the
	// directory's pre-flight (internal/dircheck), run from here.
	Directory Precheck

	Repo string // repository for the test image; DefaultRepo if ""
	// MatrixRepos are more repositories whose paths the access matrix
	// tries (e.g. one per access rule), besides Repo, the API root and the
	// catalog.
	MatrixRepos []string
	// Tag is the one tag every run pushes to; DefaultTag if "". Runs that
	// may overlap (two CI jobs on one registry) need distinct tags.
	Tag       string
	Layers    int         // layers of the test image (the same bytes every run); DefaultLayers if 0
	LayerSize int64       // bytes per layer; DefaultLayerSize if 0
	Cleanup   CleanupMode // what to delete after the checks; CleanupPrevious if ""

	Client  string       // ClientGGCR (default) or ClientDocker
	Runner  execx.Runner // runs the docker CLI; execx.OS{} if nil
	Docker  string       // docker program; "docker" if ""
	TempDir string       // where the docker client's temporary files go; os.TempDir() if ""

	Timeout  time.Duration    // per connection / request; DefaultTimeout if 0
	Progress func(StepResult) // optional: called as each step finishes
}

// withDefaults returns c with zero fields filled in, or an error wrapping
// ErrConfig.
func (c Config) withDefaults() (Config, error) {
	if c.Repo == "" {
		c.Repo = DefaultRepo
	}
	if c.Tag == "" {
		c.Tag = DefaultTag
	}
	if c.Cleanup == "" {
		c.Cleanup = CleanupPrevious
	}
	if c.Layers == 0 {
		c.Layers = DefaultLayers
	}
	if c.LayerSize == 0 {
		c.LayerSize = DefaultLayerSize
	}
	if c.Client == "" {
		c.Client = ClientGGCR
	}
	if c.Runner == nil {
		c.Runner = execx.OS{}
	}
	if c.Docker == "" {
		c.Docker = "docker"
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return c, nil
}

func (c Config) validate() error {
	switch {
	case c.Host == "":
		return errors.New("host is required")
	case strings.Contains(c.Host, "/"):
		return fmt.Errorf("host %q must be HOST[:PORT] without a scheme or path", c.Host)
	case c.Pusher.User == "" || c.Pusher.Password == "":
		return errors.New("pusher user and password are required")
	case c.Puller.User == "" || c.Puller.Password == "":
		return errors.New("puller user and password are required")
	case c.Pusher.User == c.Puller.User:
		return fmt.Errorf("pusher and puller must be different users (both are %q)", c.Pusher.User)
	case c.Policy == nil:
		return errors.New("policy is required")
	case c.Layers < 1 || c.LayerSize < 1:
		return fmt.Errorf("layers (%d) and layer size (%d) must be positive", c.Layers, c.LayerSize)
	case c.Client != ClientGGCR && c.Client != ClientDocker:
		return fmt.Errorf("client %q: want %q or %q", c.Client, ClientGGCR, ClientDocker)
	case !validTag(c.Tag):
		return fmt.Errorf("tag %q is not a valid tag", c.Tag)
	}
	if _, err := ParseCleanup(string(c.Cleanup)); err != nil {
		return err
	}
	if _, _, err := c.addrs(); err != nil {
		return err
	}
	return nil
}

// addrs returns the host name used for TLS verification and the address to
// dial.
func (c Config) addrs() (hostname, dial string, err error) {
	hostname, port := splitHostPort(c.Host, "443")
	if hostname == "" {
		return "", "", fmt.Errorf("host %q has no host name", c.Host)
	}
	dial = net.JoinHostPort(hostname, port)
	if c.Dial != "" {
		addr, dport := splitHostPort(c.Dial, port)
		if addr == "" {
			return "", "", fmt.Errorf("dial address %q has no host", c.Dial)
		}
		dial = net.JoinHostPort(addr, dport)
	}
	return hostname, dial, nil
}

// splitHostPort splits "host[:port]", also "[v6]:port", using def for a
// missing port.
func splitHostPort(s, def string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return strings.Trim(s, "[]"), def
}

// tagRE is the distribution spec's tag grammar.
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

func validTag(tag string) bool { return tagRE.MatchString(tag) }

// CheckTag returns an error unless tag is a valid tag ("" is, meaning
// DefaultTag).
func CheckTag(tag string) error {
	if tag != "" && !validTag(tag) {
		return fmt.Errorf("tag %q is not a valid tag (letters, digits, '_', '.', '-'; at most 128)", tag)
	}
	return nil
}
