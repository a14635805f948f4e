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
	// IncludeLuaFirst (with auth_cache) loads mod_lua before
	// mod_auth_basic, so the password cache's check_user_id hook runs
	// before mod_auth_basic's: both have the same rank, so they run in
	// the modules' load order (mod_lua ignores LuaHookCheckUserID's
	// "early"), and Debian loads mods-enabled/*.load alphabetically.
	IncludeLuaFirst = "auth/regsetup-authcache.load"
	// LuaFirstModule is the name IncludeLuaFirst is enabled under with
	// layout debian: it sorts before auth_basic.load.
	LuaFirstModule = "0regsetup-authcache"
	// RHELLuaFirst is the name IncludeLuaFirst is linked under in
	// /etc/httpd/conf.modules.d with layout rhel: it sorts before
	// 00-base.conf, which loads mod_auth_basic.
	RHELLuaFirst = "00-0regsetup-authcache.conf"
	// RHELServer is the name IncludeServer is linked under in
	// /etc/httpd/conf.d with layout rhel: it sorts before the sites'
	// files, so its module checks run before the snippet is read.
	RHELServer = "00-regsetup-registry.conf"
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
	LuaModule  string // where the layout keeps mod_lua.so (auth_cache)
	LuaFirst   string // a2enmod's name for IncludeLuaFirst (layout debian)
	RHELFirst  string // its name in conf.modules.d (layout rhel)
	RHELServer string // IncludeServer's name in conf.d (layout rhel)
}

// IncludeConfigs renders the snippet for the user's TLS <VirtualHost> and
// the site-independent file.
func IncludeConfigs(m *model.Model) (location, server []byte, err error) {
	d, err := newIncludeData(m)
	if err != nil {
		return nil, nil, err
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

func newIncludeData(m *model.Model) (includeData, error) {
	if !path.IsAbs(m.Apache.Dir) {
		return includeData{}, fmt.Errorf("rendering the Apache snippet: the output folder %q is not absolute", m.Apache.Dir)
	}
	lua := "modules/mod_lua.so" // relative to a plain httpd's ServerRoot
	if m.Apache.Layout == model.LayoutDebian {
		lua = "/usr/lib/apache2/modules/mod_lua.so" // Debian's ServerRoot is /etc/apache2
	}
	return includeData{
		confData: confData{
			Secure: true, Port: m.Port, Domain: m.Domain, AuthCache: m.AuthCacheTTL,
			Authz: locationAuthz(m.Access), RuleSections: ruleSections(m.Access),
			ConfDir: path.Join(m.Apache.Dir, "auth"),
		},
		Layout: m.Apache.Layout, Group: m.Apache.Group, Dir: m.Apache.Dir,
		Socket:  path.Join(m.Apache.Dir, model.Socket),
		Modules: strings.Join(IncludeModules, " "), ModuleList: IncludeModules,
		LuaModule: lua, LuaFirst: LuaFirstModule, RHELFirst: RHELLuaFirst, RHELServer: RHELServer,
	}, nil
}

// IncludeLuaFirstFile renders IncludeLuaFirst (nil without auth_cache).
func IncludeLuaFirstFile(m *model.Model) ([]byte, error) {
	if m.AuthCacheTTL <= 0 {
		return nil, nil
	}
	d, err := newIncludeData(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := templates.IncludeServer.ExecuteTemplate(&b, "lua-first", d); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", IncludeLuaFirst, err)
	}
	return b.Bytes(), nil
}

// htpasswdPath is the password file as Apache names it (authcache.lua
// reads it): the container's conf folder, or the output folder's auth/
// for an existing Apache.
func htpasswdPath(m *model.Model) string {
	if m.Apache.Include {
		return path.Join(m.Apache.Dir, HTPasswd)
	}
	return "/usr/local/apache2/conf/httpd.htpasswd"
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
	files = append(files, c.auth...)
	cache, err := AuthCacheScript(m)
	if err != nil {
		return nil, err
	}
	first, err := IncludeLuaFirstFile(m)
	if err != nil {
		return nil, err
	}
	if cache != nil {
		files = append(files, File{Path: AuthCache, Data: cache, Mode: 0o644}, File{Path: IncludeLuaFirst, Data: first, Mode: 0o644})
	}
	return append(files, c.compose), nil
}
