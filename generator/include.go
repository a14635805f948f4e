package generator

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/templates"
)

// Artifacts for an existing Apache (apache.mode: include), relative to the
// output folder. They live in auth/ with the password file, so one switch
// of auth/.current changes them together.
const (
	IncludeLocation = "auth/registry-location.conf"
	IncludeServer   = "auth/regsetup-registry.conf"
)

// IncludeModules are the modules the /v2 snippet needs, in a2enmod's
// names (mod_NAME.so, NAME_module).
var IncludeModules = []string{"ssl", "proxy", "proxy_http", "headers", "auth_basic", "authn_core", "authn_file", "authz_core", "authz_user", "authz_groupfile"}

// includeData is what templates.IncludeConf and IncludeServer read: the
// secure profile's /v2 fields (confData) and where things are on the host.
type includeData struct {
	confData
	Layout     string
	Group      string
	Dir        string // the output folder, absolute
	Socket     string // the registry's unix socket, absolute
	Modules    string // space-separated, for a2enmod
	ModuleList []string
}

// IncludeConfigs renders the snippet for the user's TLS <VirtualHost> and
// the site-independent file.
func IncludeConfigs(m *model.Model) (location, server []byte, err error) {
	if !path.IsAbs(m.Apache.Dir) {
		return nil, nil, fmt.Errorf("rendering the Apache snippet: the output folder %q is not absolute", m.Apache.Dir)
	}
	d := includeData{
		confData: confData{
			Secure: true, Port: m.Port, Domain: m.Domain,
			Authz: locationAuthz(m.Access), RuleSections: ruleSections(m.Access),
			ConfDir: path.Join(m.Apache.Dir, "auth"),
		},
		Layout: m.Apache.Layout, Group: m.Apache.Group, Dir: m.Apache.Dir,
		Socket:  path.Join(m.Apache.Dir, model.Socket),
		Modules: strings.Join(IncludeModules, " "), ModuleList: IncludeModules,
	}
	var l, s bytes.Buffer
	if err := templates.IncludeConf.Execute(&l, d); err != nil {
		return nil, nil, fmt.Errorf("rendering %s: %w", IncludeLocation, err)
	}
	if err := templates.IncludeServer.Execute(&s, d); err != nil {
		return nil, nil, fmt.Errorf("rendering %s: %w", IncludeServer, err)
	}
	return l.Bytes(), s.Bytes(), nil
}

// renderInclude returns the artifacts for an existing Apache: the
// snippet, the site-independent file, the password and group files, the
// certificate and key (for verify, and for a vhost that uses them), and a
// compose file with the registry alone.
func renderInclude(m *model.Model, prev Previous, opts Options) ([]File, error) {
	location, server, err := IncludeConfigs(m)
	if err != nil {
		return nil, err
	}
	c, err := renderCommon(m, prev, opts)
	if err != nil {
		return nil, err
	}
	files := []File{
		{Path: IncludeLocation, Data: location, Mode: 0o644},
		{Path: IncludeServer, Data: server, Mode: 0o644},
	}
	return append(append(files, c.auth...), c.compose), nil
}
