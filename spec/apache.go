package spec

import (
	"fmt"

	"github.com/regsetup/regsetup/model"
)

// Apache is the proxy in front of the registry.
type Apache struct {
	// Image is the Apache container's image (mode container). Default
	// httpd:2.4.
	Image string `yaml:"image"`
	// Mode is "container" (default): regsetup runs Apache with Compose; or
	// "include": your own Apache serves the registry. init then renders
	// auth/registry-location.conf to Include inside your TLS
	// <VirtualHost>, and auth/regsetup-registry.conf with the
	// site-independent parts; the registry runs with Compose on a unix
	// socket only that Apache's group can open.
	Mode string `yaml:"mode"`
	// Layout (mode include) is how your Apache is installed: "debian"
	// (default: Debian's and Ubuntu's apache2, a2enmod, conf-available),
	// "rhel" (RHEL's httpd and its relatives: conf.modules.d, conf.d) or
	// "httpd" (a plain httpd build: LoadModule lines).
	Layout string `yaml:"layout"`
	// Group (mode include) is the group your Apache's workers run as: it
	// may read the password file and open the registry's socket. Default
	// www-data (debian), apache (rhel) or daemon (httpd).
	Group string `yaml:"group"`
	// ServeBlobs lets Apache answer plain blob reads (GET and HEAD of
	// /v2/<name>/blobs/sha256:<hex>, no Range, no conditional header) from
	// the registry's storage itself, once the registry has linked the blob
	// into that repository; everything else is proxied. Same access rules,
	// headers and status codes; a pull costs about half the CPU of a
	// proxied one (README "Performance").
	// Default true where it applies: the secure profile, mode container,
	// deploy target compose and filesystem storage (Apache then mounts
	// ./data read-only).
	ServeBlobs *bool `yaml:"serve_blobs"`
}

// Apache modes and layouts.
const (
	ModeContainer = "container"
	ModeInclude   = "include"
)

// apacheDefaults fills the mode, and for include the layout's defaults.
func apacheDefaults(a *Apache) {
	if a.Mode == "" {
		a.Mode = ModeContainer // the recipe: Apache in a container
	}
	if a.Mode != ModeInclude {
		return
	}
	if a.Layout == "" {
		a.Layout = model.LayoutDebian // the most common existing Apache
	}
	if a.Group == "" {
		a.Group = model.DefaultGroup(a.Layout) // what the layout's packages run the workers as
	}
}

func (c *checker) apache(s *Spec) {
	a := s.Apache
	switch a.Mode {
	case ModeContainer:
		if a.Layout != "" {
			c.addf("apache.layout", "needs mode %q: a layout describes your own Apache", ModeInclude)
		}
		if a.Group != "" {
			c.addf("apache.group", "needs mode %q: the container's workers run as daemon", ModeInclude)
		}
		return
	case ModeInclude:
	default:
		c.addf("apache.mode", "want %q or %q, got %s", ModeContainer, ModeInclude, printable(a.Mode))
		return
	}
	switch a.Layout {
	case model.LayoutDebian, model.LayoutRHEL, model.LayoutHTTPD:
	default:
		c.addf("apache.layout", "want %q, %q or %q, got %s", model.LayoutDebian, model.LayoutRHEL, model.LayoutHTTPD, printable(a.Layout))
	}
	if !groupRE.MatchString(a.Group) {
		c.addf("apache.group", "%s is not a group name (letters, digits, '.', '_' and '-')", printable(a.Group))
	}
	if s.Profile == string(model.ProfileRecipe) {
		c.addf("apache.mode", "%q needs the secure profile: the recipe is a whole httpd.conf for a container", ModeInclude)
	}
	if s.Auth.Backend == BackendLDAP {
		c.addf("auth.backend", "%s is not available with apache.mode %q yet: your Apache's own mod_authnz_ldap settings would have to be merged with the snippet's", BackendLDAP, ModeInclude)
	}
}

// serveBlobs is whether Apache serves blob reads from the storage: the
// default where m.BlobsOutOfReach allows it, and an error where it was
// asked for and does not. It runs once m's profile, Apache, deploy and
// storage are set.
func (c *checker) serveBlobs(s *Spec, m *model.Model) bool {
	why := ""
	switch m.BlobsOutOfReach() {
	case model.BlobsNeedSecure:
		why = "the secure profile (the recipe's httpd.conf is the document's)"
	case model.BlobsNeedContainer:
		why = fmt.Sprintf("apache.mode %q (your own Apache would need the registry's data folder and its own rewrite rules merged)", ModeContainer)
	case model.BlobsNeedCompose:
		why = fmt.Sprintf("deploy.target %q (Apache's tasks or pods do not share the registry's volume)", model.TargetCompose)
	case model.BlobsNeedFilesystem:
		why = fmt.Sprintf("storage.driver %q (the blobs are in the bucket)", model.StorageFilesystem)
	}
	if s.Apache.ServeBlobs == nil {
		return why == ""
	}
	if *s.Apache.ServeBlobs && why != "" {
		c.addf("apache.serve_blobs", "needs %s", why)
		return false
	}
	return *s.Apache.ServeBlobs
}

// apacheTarget is the model's view of the proxy.
func apacheTarget(a Apache) model.Apache {
	if a.Mode != ModeInclude {
		return model.Apache{}
	}
	return model.Apache{Include: true, Layout: a.Layout, Group: a.Group}
}
