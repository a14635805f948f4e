package bench

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Kinds of variant.
const (
	KindDirect      = "direct"                // the registry: no TLS, no auth (the limit)
	KindRegistryTLS = "registry-tls-htpasswd" // the registry's own TLS and htpasswd auth
	KindNginx       = "nginx-recipe"          // the Docker docs' nginx recipe
	KindApache      = "apache-recipe"         // regsetup's recipe profile, plus the MPM line
	KindSecure      = "regsetup-secure"       // regsetup's secure profile
	// KindSecureProxied is the secure profile with apache.serve_blobs:
	// false: every blob read proxied to the registry (what every release before apache.serve_blobs did).
	KindSecureProxied = "regsetup-secure-proxied"
	KindCompose       = "regsetup-compose"        // the secure profile run by `regsetup up`: containers, Docker's published port on loopback
	KindBridge        = "regsetup-compose-bridge" // the same stack reached at Apache's container address, as clients on other machines reach it
	// KindBridgeProxied is KindBridge with every blob read proxied
	// (apache.serve_blobs: false).
	KindBridgeProxied = "regsetup-compose-bridge-proxied"
	KindSocket        = "regsetup-compose-socket" // experiment: KindBridgeProxied with the registry on a unix socket shared with Apache
	KindConf          = "conf"                    // a hand-edited httpd.conf over the secure render
)

// Key types of the server certificate.
const (
	KeyECDSA = "ecdsa" // P-256, what regsetup generates
	KeyRSA   = "rsa"   // 2048 bits, what most documents show
)

// VariantSpec names one stack to measure: a kind, the server key type and,
// for KindConf, the httpd.conf file.
type VariantSpec struct {
	Kind string
	Key  string // KeyECDSA or KeyRSA; ignored by KindDirect
	Conf string // for KindConf
}

// Name is the variant's label: the kind ("conf:" and the file's base name
// for KindConf), with ":rsa" appended for RSA certificates.
func (v VariantSpec) Name() string {
	n := v.Kind
	if v.Kind == KindConf {
		n = "conf:" + strings.TrimSuffix(filepath.Base(v.Conf), ".conf")
	}
	if v.Key == KeyRSA && v.Kind != KindDirect {
		n += ":rsa"
	}
	return n
}

// TLS reports whether the variant serves TLS.
func (v VariantSpec) TLS() bool { return v.Kind != KindDirect }

// ParseVariant reads "KIND" or "KIND:rsa" / "KIND:ecdsa" (KIND one of the
// Kind constants except KindConf, which comes from Options.Confs).
func ParseVariant(s string) (VariantSpec, error) {
	kind, key, _ := strings.Cut(strings.TrimSpace(s), ":")
	if key == "" {
		key = KeyECDSA
	}
	switch kind {
	case KindDirect, KindRegistryTLS, KindNginx, KindApache, KindSecure, KindSecureProxied, KindSecureLDAP, KindSecureLDAPNoCache, KindCompose, KindBridge, KindBridgeProxied, KindSocket:
	default:
		return VariantSpec{}, fmt.Errorf("unknown variant %q (want one of %s, optionally with :rsa)", kind, strings.Join([]string{
			KindDirect, KindRegistryTLS, KindNginx, KindApache, KindSecure, KindSecureProxied, KindSecureLDAP, KindSecureLDAPNoCache, KindCompose, KindBridge, KindBridgeProxied, KindSocket}, ", "))
	}
	if key != KeyECDSA && key != KeyRSA {
		return VariantSpec{}, fmt.Errorf("variant %q: unknown key type %q (want %s or %s)", s, key, KeyECDSA, KeyRSA)
	}
	return VariantSpec{Kind: kind, Key: key}, nil
}

// Target is where and how the clients reach a running variant.
type Target struct {
	Name     string // the variant's name
	Host     string // registry host in image references (host:port)
	Addr     string // address to dial, whatever Host says
	TLS      bool   // https (with ServerName) rather than http
	User     string // basic-auth user; "" sends no credentials
	Password string `json:"-"`
}

// running is a started variant.
type running interface {
	target() Target
	stop()
	logTail(n int) string
	pids() []int // the server processes' roots: first the front (the TLS server), then the registry behind it
}
