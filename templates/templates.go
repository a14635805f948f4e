// Package templates holds the Apache configuration template that the
// generator fills. The recipe's text is kept as written; the secure
// profile's changes are marked with {{if .Secure}} blocks, each with its
// reason in a comment, so the difference from the document stays readable.
// The /v2 section's authentication and authorization (v2auth.tmpl) is
// shared with the snippet for an existing Apache (include*.tmpl).
package templates

import (
	_ "embed"
	"text/template"
)

//go:embed httpd.conf.tmpl
var httpdConf string

//go:embed v2auth.tmpl
var v2Auth string

// HTTPDConf renders auth/httpd.conf. Its data is generator.confData.
var HTTPDConf = withV2Auth("httpd.conf", httpdConf)

//go:embed include.conf.tmpl
var includeConf string

// IncludeConf renders auth/registry-location.conf, the snippet an
// existing Apache includes in its TLS <VirtualHost>. Its data is
// generator.includeData.
var IncludeConf = withV2Auth("registry-location.conf", includeConf)

//go:embed include-server.conf.tmpl
var includeServer string

// IncludeServer renders auth/regsetup-registry.conf, the site-independent
// part for an existing Apache (modules, the output folder never served).
var IncludeServer = template.Must(template.New("regsetup-registry.conf").Option("missingkey=error").Parse(includeServer))

func withV2Auth(name, text string) *template.Template {
	t := template.Must(template.New(name).Option("missingkey=error").Parse(text))
	return template.Must(t.Parse(v2Auth))
}

//go:embed authcache.lua.tmpl
var authCache string

// AuthCache renders auth/authcache.lua, the secure profile's cache of
// successful password checks (mod_lua). Its data has TTL, in seconds,
// Guard: with a directory, how long a failed password is refused
// without asking it again (0: no guard), and HTPasswd, the password
// file's path as Apache names it.
var AuthCache = template.Must(template.New("authcache.lua").Option("missingkey=error").Parse(authCache))
