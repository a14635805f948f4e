package model

// Apache says where the proxy runs. The zero value is the recipe's: an
// Apache container regsetup renders a whole httpd.conf for.
type Apache struct {
	// Include: the user's own Apache serves /v2 from a rendered snippet,
	// and the registry listens on a unix socket only Group can open.
	Include bool
	Layout  string // LayoutDebian, LayoutHTTPD or LayoutRHEL
	Group   string // the group the user's Apache workers run as
	// Dir is the output folder's absolute path, as the user's Apache
	// opens it (set by init, which knows where it writes).
	Dir string
	// ServeBlobs: Apache answers plain blob reads from the registry's
	// storage, mounted read-only at the registry's own data path, for
	// blobs the registry has linked into the repository; everything else
	// is proxied (templates/httpd.conf.tmpl, generator.ComposeProject).
	// Read it through Model.BlobsFromStorage.
	ServeBlobs bool
}

// Layouts of an existing Apache.
const (
	// LayoutDebian is Debian's and Ubuntu's apache2: a2enmod,
	// conf-available, `apache2ctl graceful`.
	LayoutDebian = "debian"
	// LayoutHTTPD is a plain httpd build (/usr/local/apache2, your own
	// image): LoadModule lines, `httpd -k graceful`.
	LayoutHTTPD = "httpd"
	// LayoutRHEL is the httpd of RHEL and its relatives (Fedora, CentOS,
	// Rocky, Alma): conf.modules.d/ and conf.d/ under /etc/httpd,
	// `apachectl graceful`.
	LayoutRHEL = "rhel"
)

// DefaultGroup is the group a layout's packages run Apache's workers as.
func DefaultGroup(layout string) string {
	switch layout {
	case LayoutHTTPD:
		return "daemon" // httpd's own httpd.conf: User daemon, Group daemon
	case LayoutRHEL:
		return "apache" // RHEL's httpd.conf: User apache, Group apache
	}
	return "www-data" // Debian's envvars: APACHE_RUN_GROUP=www-data
}

// SocketDir and Socket are where the registry listens, relative to the
// output folder: a folder of the Apache group, mode 2750, so only root
// and that group reach the socket.
const (
	SocketDir = "run"
	Socket    = SocketDir + "/registry.sock"
)

// GracefulCommand is the layout's own command that reloads Apache
// without dropping requests.
func GracefulCommand(layout string) []string {
	switch layout {
	case LayoutHTTPD:
		return []string{"httpd", "-k", "graceful"}
	case LayoutRHEL:
		return []string{"apachectl", "graceful"} // RHEL's apachectl: systemctl reload httpd
	}
	return []string{"apache2ctl", "graceful"}
}

// Why Apache cannot read the registry's blobs itself (BlobsOutOfReach).
const (
	BlobsNeedSecure     = "profile"        // the recipe's httpd.conf is the document's
	BlobsNeedContainer  = "apache.mode"    // the user's own Apache
	BlobsNeedCompose    = "deploy.target"  // Swarm tasks or pods do not share the registry's volume
	BlobsNeedFilesystem = "storage.driver" // the blobs are in a bucket
)

// BlobsOutOfReach is "" where Apache can serve blob reads from the
// registry's storage (the secure profile, Apache in the stack, Compose, a
// filesystem-backed registry), else the first setting that rules it out.
func (m *Model) BlobsOutOfReach() string {
	switch {
	case m.Profile != ProfileSecure:
		return BlobsNeedSecure
	case m.Apache.Include:
		return BlobsNeedContainer
	case m.Deploy.OnSwarm() || m.Deploy.OnKubernetes():
		return BlobsNeedCompose
	case m.Storage.Driver == StorageS3:
		return BlobsNeedFilesystem
	}
	return ""
}

// BlobsFromStorage reports whether Apache serves blob reads from the
// registry's storage: asked for (the spec's default where it applies), and
// within reach.
func (m *Model) BlobsFromStorage() bool {
	return m.Apache.ServeBlobs && m.BlobsOutOfReach() == ""
}
