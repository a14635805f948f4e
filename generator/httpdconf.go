package generator

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/templates"
)

// confData is what templates.HTTPDConf reads. Every string in it is made of
// validated names only (see package spec).
type confData struct {
	Secure      bool
	ServerAdmin string
	Port        int
	Domain      string
	PullMethods string
	PushMethods string
	PullRequire string // a Require directive
	PushRequire string
	PullWho     string // for the comments
	PushWho     string
}

// HTTPDConfig renders auth/httpd.conf.
func HTTPDConfig(m *model.Model) ([]byte, error) {
	d := confData{
		Secure:      m.Profile == model.ProfileSecure,
		ServerAdmin: m.ServerAdmin,
		Port:        m.Port,
		Domain:      m.Domain,
		PullMethods: strings.Join(model.PullMethods, " "),
		PushMethods: strings.Join(append(append([]string{}, model.PullMethods...), model.PushMethods...), " "),
		PullRequire: require(m.Access.Pull),
		PushRequire: require(m.Access.Push),
		PullWho:     who(m.Access.Pull),
		PushWho:     who(m.Access.Push),
	}
	var b bytes.Buffer
	if err := templates.HTTPDConf.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("rendering httpd.conf: %w", err)
	}
	return b.Bytes(), nil
}

func require(p model.Principals) string {
	if p.Authenticated {
		return "Require valid-user"
	}
	return "Require group " + strings.Join(p.Groups, " ")
}

func who(p model.Principals) string {
	if p.Authenticated {
		return "authenticated users"
	}
	if len(p.Groups) == 1 {
		return "group " + p.Groups[0]
	}
	return "groups " + strings.Join(p.Groups, ", ")
}
