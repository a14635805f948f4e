package app

import (
	"fmt"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/model"
)

// safeDir is a path that can stand in Apache's config, quoted or not.
var safeDir = regexp.MustCompile(`^/[A-Za-z0-9._+@/-]*$`)

// includeTarget completes the model for an existing Apache (apache.mode:
// include): the output folder's absolute path, which the snippet names,
// and the Apache group's id, which the password file and the key are
// given to. It returns what the person does next.
func includeTarget(m *model.Model, out string) ([]string, error) {
	if !m.Apache.Include {
		return nil, nil
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("finding the output folder %s: %w", out, err)
	}
	if !safeDir.MatchString(abs) {
		return nil, fmt.Errorf("apache.mode include: the output folder %s is named in your Apache's config: use only letters, digits and . _ - + @ / in its path", abs)
	}
	m.Apache.Dir = abs
	g, err := user.LookupGroup(m.Apache.Group)
	if err != nil {
		return nil, fmt.Errorf("looking up apache.group %s (the group your Apache's workers run as): %w", m.Apache.Group, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return nil, fmt.Errorf("looking up apache.group %s: gid %q: %w", m.Apache.Group, g.Gid, err)
	}
	m.DaemonGID = gid
	location := filepath.Join(abs, filepath.FromSlash(generator.IncludeLocation))
	server := filepath.Join(abs, filepath.FromSlash(generator.IncludeServer))
	notes := []string{fmt.Sprintf("in your TLS <VirtualHost> for %s:%d, after every other <Location>: Include %s", m.Domain, m.Port, location)}
	first := filepath.Join(abs, filepath.FromSlash(generator.IncludeLuaFirst))
	cache := m.AuthCacheTTL > 0
	switch m.Apache.Layout {
	case model.LayoutDebian:
		notes = append(notes, fmt.Sprintf("once: ln -s %s /etc/apache2/conf-available/ && a2enmod %s && a2enconf regsetup-registry", server, strings.Join(generator.IncludeModules, " ")))
		if cache {
			notes = append(notes, fmt.Sprintf("once (auth_cache: mod_lua before mod_auth_basic): ln -s %s /etc/apache2/mods-available/%s.load && a2enmod %s", first, generator.LuaFirstModule, generator.LuaFirstModule))
		}
	case model.LayoutRHEL:
		notes = append(notes, fmt.Sprintf("once: ln -s %s /etc/httpd/conf.d/%s (the modules it needs are RHEL's defaults; mod_ssl: dnf install mod_ssl)", server, generator.RHELServer))
		if cache {
			notes = append(notes, fmt.Sprintf("once (auth_cache: mod_lua before mod_auth_basic): ln -s %s /etc/httpd/conf.modules.d/%s", first, generator.RHELLuaFirst))
		}
	default:
		if cache {
			notes = append(notes, fmt.Sprintf("once (auth_cache: mod_lua before mod_auth_basic): in httpd.conf, before LoadModule auth_basic_module: Include %s", first))
		}
		notes = append(notes, fmt.Sprintf("once: in httpd.conf, outside every <VirtualHost>: Include %s", server))
	}
	notes = append(notes, fmt.Sprintf("then: regsetup up (starts the registry only), %s", strings.Join(model.GracefulCommand(m.Apache.Layout), " ")))
	return notes, nil
}

// includeDeploy is what deploy needs for an existing Apache; nil for the
// container.
func includeDeploy(m *model.Model, reload bool) *deploy.Include {
	if !m.Apache.Include {
		return nil
	}
	inc := &deploy.Include{Socket: filepath.FromSlash(model.Socket), GID: m.DaemonGID}
	if reload {
		inc.Reload = model.GracefulCommand(m.Apache.Layout)
	}
	return inc
}

// RegistrySocket is where the registry listens for an existing Apache.
func RegistrySocket(m *model.Model) string {
	return filepath.Join(m.Apache.Dir, filepath.FromSlash(model.Socket))
}
