package bench

import (
	"bytes"
	"fmt"
	regspec "github.com/regsetup/regsetup/spec"
	"os"
	"path/filepath"
	"strconv"
	"text/template"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
)

// ProbeUser is the user whose password and access the apply benchmark
// changes; the load users (load1, load2, ...) are never touched.
const ProbeUser = "probe"

// applySpec is the spec of the apply benchmark: the probe user and the
// load users, all readers and pushers except the probe, which is only a
// reader while pull is "authenticated" (Open) and refused (403) while pull
// is the readers group. Passwords come from files.
var applySpec = template.Must(template.New("spec").Parse(`profile: secure
` + specServer + `users:
  - name: ` + ProbeUser + `
    password_file: probe.password
{{- range .Load}}
  - name: {{.}}
    password_file: {{.}}.password
{{- end}}
groups:
  readers: [{{range $i, $u := .Load}}{{if $i}}, {{end}}{{$u}}{{end}}]
  pusher: [{{range $i, $u := .Load}}{{if $i}}, {{end}}{{$u}}{{end}}]
access:
  pull: {{if .Open}}authenticated{{else}}[readers]{{end}}
  push: [pusher]
`))

// applyState is what the benchmark flips between changes.
type applyState struct {
	ProbePassword string // changes the password file only
	Open          bool   // changes httpd.conf only (pull: authenticated or [readers])
}

// applyStack is one process model's stack: the folder, the running Apache
// and registry, and the credentials.
type applyStack struct {
	dir   string
	model ProcessModel
	port  int
	load  []credential
	s     *stacktest.Stack
	t     Target
}

type credential struct{ user, password string }

func newApplyStack(e *env, m ProcessModel, loadUsers int, st applyState) (*applyStack, error) {
	dir, err := e.variantDir("apply-" + m.Name)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	a := &applyStack{dir: dir, model: m, port: port}
	files := map[string][]byte{"domain.crt": e.certs[KeyECDSA].CertPEM, "domain.key": e.certs[KeyECDSA].KeyPEM}
	for i := range loadUsers {
		c, err := newCredentials()
		if err != nil {
			return nil, err
		}
		u := credential{user: "load" + strconv.Itoa(i+1), password: c.PullPassword}
		a.load = append(a.load, u)
		files[u.user+".password"] = []byte(u.password)
	}
	if err := writeFiles(dir, files); err != nil {
		return nil, err
	}
	if err := a.apply(e, st); err != nil {
		return nil, err
	}
	scratch := filepath.Join(dir, "run")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("creating scratch dir: %w", err)
	}
	a.s, err = stacktest.Run(dir, scratch, stacktest.Options{ReadyTimeout: readyTimeout, StopTimeout: stopTimeout})
	if err != nil {
		if a.s != nil {
			a.s.Stop()
		}
		return nil, fmt.Errorf("apply stack %s: %w", m.Name, err)
	}
	a.t = Target{Name: m.Name, Host: ServerName + ":" + strconv.Itoa(port), Addr: a.s.Addr, TLS: true}
	return a, nil
}

// apply writes the spec for st and runs the real init in the same folder,
// as a person changing the spec does, then puts the process model back
// into httpd.conf (init renders the template's).
func (a *applyStack) apply(e *env, st applyState) error {
	var spec bytes.Buffer
	users := make([]string, len(a.load))
	for i, u := range a.load {
		users[i] = u.user
	}
	if err := applySpec.Execute(&spec, map[string]any{"Port": a.port, "Cost": e.opts.BcryptCost, "Slow": e.opts.BcryptCost > regspec.MaxBcryptCost, "Load": users, "Open": st.Open}); err != nil {
		return fmt.Errorf("rendering the spec: %w", err)
	}
	if err := writeFiles(a.dir, map[string][]byte{"regsetup.yaml": spec.Bytes(), "probe.password": []byte(st.ProbePassword)}); err != nil {
		return err
	}
	if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: filepath.Join(a.dir, "regsetup.yaml")}, Force: a.model.Block != ""}); err != nil {
		return fmt.Errorf("regsetup init (%s): %w", a.model.Name, err)
	}
	if a.model.Block != "" {
		conf := filepath.Join(a.dir, "auth", "httpd.conf")
		data, err := os.ReadFile(conf)
		if err != nil {
			return fmt.Errorf("reading httpd.conf: %w", err)
		}
		if data, err = withModel(data, a.model); err != nil {
			return err
		}
		if err := os.WriteFile(conf, data, 0o644); err != nil {
			return fmt.Errorf("writing httpd.conf: %w", err)
		}
	}
	return nil
}

func (a *applyStack) stop() {
	if a.s != nil {
		a.s.Stop()
	}
}
