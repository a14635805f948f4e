// Package templates holds the Apache configuration template that the
// generator fills. The recipe's text is kept as written; the secure
// profile's changes are marked with {{if .Secure}} blocks, each with its
// reason in a comment, so the difference from the document stays readable.
package templates

import (
	_ "embed"
	"text/template"
)

//go:embed httpd.conf.tmpl
var httpdConf string

// HTTPDConf renders auth/httpd.conf. Its data is generator.confData.
var HTTPDConf = template.Must(template.New("httpd.conf").Option("missingkey=error").Parse(httpdConf))

//go:embed authcache.lua.tmpl
var authCache string

// AuthCache renders auth/authcache.lua, the secure profile's cache of
// successful password checks (mod_lua). Its data has TTL, in seconds,
// and Guard: with a directory, how long a failed password is refused
// without asking it again (0: no guard).
var AuthCache = template.Must(template.New("authcache.lua").Option("missingkey=error").Parse(authCache))
