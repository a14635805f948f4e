package bench

import (
	"bytes"
	"fmt"
	regspec "github.com/regsetup/regsetup/spec"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"text/template"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
)

// MPMLine is what the recipe's httpd.conf lacks to start at all (AH00534).
const MPMLine = "LoadModule mpm_event_module modules/mod_mpm_event.so\n"

// specServer is the part of the benchmarks' specs that names the server:
// domain, port, bcrypt cost and the test certificate.
const specServer = `domain: ` + ServerName + `
port: {{.Port}}
bcrypt_cost: {{.Cost}}
{{- if .Slow}}
allow_slow_bcrypt: true{{end}}
tls:
  cert: domain.crt
  key: domain.key
`

// benchSpec is the recipe's users, groups and access; the passwords come
// from files so that no password is in the spec.
var benchSpec = template.Must(template.New("spec").Parse(`profile: {{.Profile}}
` + specServer + `users:
  - name: ` + PullUser + `
    password_file: pull.password
  - name: ` + PushUser + `
    password_file: push.password
groups:
  pusher: [` + PushUser + `]
access:
  pull: authenticated
  push: [pusher]
{{.Extra}}`))

// proxiedBlobs is the spec line of the variants that proxy every blob read
// (the secure profile before apache.serve_blobs, measured side by side).
const proxiedBlobs = "apache: {serve_blobs: false}\n"

// apacheRun is a regsetup-rendered folder served by the real Apache and
// registry through internal/stacktest.
type apacheRun struct {
	s   *stacktest.Stack
	dir string
	t   Target
}

// pids is httpd's parent and the stack's registry (found by its config
// path under the variant's scratch folder; dir is the folder as given to
// the registry's command line).
func (a *apacheRun) pids() []int {
	return append([]int{a.s.ApachePID()}, pidsMatching(filepath.Join(a.dir, "run", "registry-"))...)
}

func (a *apacheRun) target() Target       { return a.t }
func (a *apacheRun) stop()                { a.s.Stop() }
func (a *apacheRun) logTail(n int) string { return a.s.ApacheTail(n) }

// renderVariant writes the bench spec with profile ("recipe" or
// "secure") and extra (YAML lines added to it), the certificate of key type
// key and the password files into dir, runs app.Init there, and returns
// the port the spec names.
func renderVariant(e *env, dir, profile, key, extra string) (int, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	var spec bytes.Buffer
	if err := benchSpec.Execute(&spec, map[string]any{"Profile": profile, "Extra": extra, "Port": port, "Cost": e.opts.BcryptCost, "Slow": e.opts.BcryptCost > regspec.MaxBcryptCost}); err != nil {
		return 0, fmt.Errorf("rendering the spec: %w", err)
	}
	return port, renderSpec(e, dir, profile, key, spec.Bytes(), nil)
}

// renderSpec writes spec, the certificate of key type key, the password
// files and files (name → content) into dir and runs app.Init there.
func renderSpec(e *env, dir, profile, key string, spec []byte, files map[string][]byte) error {
	c := e.certs[key]
	all := map[string][]byte{
		"regsetup.yaml": spec,
		"pull.password": []byte(e.creds.PullPassword), "push.password": []byte(e.creds.PushPassword),
		"domain.crt": c.CertPEM, "domain.key": c.KeyPEM,
	}
	for k, v := range files {
		all[k] = v
	}
	if err := writeFiles(dir, all); err != nil {
		return err
	}
	if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: filepath.Join(dir, "regsetup.yaml")}}); err != nil {
		return fmt.Errorf("regsetup init (%s): %w", profile, err)
	}
	return nil
}

// startApache renders the spec with profile ("recipe" or "secure") and extra through
// app.Init in dir, prepends the MPM line to the recipe, replaces
// auth/httpd.conf by conf (its Listen and VirtualHost ports rewritten) when
// conf is set (with the *.lua files next to conf, which the config finds
// in /usr/local/apache2/conf/), and starts the stack. auth/ also gets ecdsa.crt/.key and
// rsa.crt/.key for hand-edited configs.
func startApache(e *env, name, dir, profile, key, extra, conf string) (*apacheRun, error) {
	port, err := renderVariant(e, dir, profile, key, extra)
	if err != nil {
		return nil, err
	}
	return startRendered(e, name, dir, port, profile, conf)
}

// startRendered is the rest of startApache, for a folder init rendered
// with port.
func startRendered(e *env, name, dir string, port int, profile, conf string) (*apacheRun, error) {
	auth := filepath.Join(dir, "auth")
	extra := map[string][]byte{}
	for _, k := range []string{KeyECDSA, KeyRSA} {
		extra[k+".crt"], extra[k+".key"] = e.certs[k].CertPEM, e.certs[k].KeyPEM
	}
	if err := writeFiles(auth, extra); err != nil {
		return nil, err
	}
	confPath := filepath.Join(auth, "httpd.conf")
	switch {
	case conf != "":
		data, err := os.ReadFile(conf)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", conf, err)
		}
		if err := os.WriteFile(confPath, withPort(data, port), 0o644); err != nil {
			return nil, fmt.Errorf("writing httpd.conf: %w", err)
		}
		if err := copyLua(filepath.Dir(conf), auth); err != nil {
			return nil, err
		}
	case profile == "recipe":
		data, err := os.ReadFile(confPath)
		if err != nil {
			return nil, fmt.Errorf("reading httpd.conf: %w", err)
		}
		if err := os.WriteFile(confPath, append([]byte(MPMLine), data...), 0o644); err != nil {
			return nil, fmt.Errorf("writing httpd.conf: %w", err)
		}
	}
	scratch := filepath.Join(dir, "run")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("creating scratch dir: %w", err)
	}
	s, err := stacktest.Run(dir, scratch, stacktest.Options{ReadyTimeout: readyTimeout, StopTimeout: stopTimeout})
	if err != nil {
		if s != nil {
			s.Stop()
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &apacheRun{s: s, dir: dir, t: Target{
		Name: name, Host: ServerName + ":" + strconv.Itoa(port), Addr: s.Addr,
		TLS: true, User: PushUser, Password: e.creds.PushPassword,
	}}, nil
}

var (
	listenRE = regexp.MustCompile(`(?m)^(\s*Listen\s+)(?:[^\s:]*:)?\d+`)
	vhostRE  = regexp.MustCompile(`(<VirtualHost\s+[^>]*:)\d+>`)
)

// withPort rewrites every Listen directive and VirtualHost port of a
// hand-edited httpd.conf to port.
func withPort(conf []byte, port int) []byte {
	p := strconv.Itoa(port)
	conf = listenRE.ReplaceAll(conf, []byte("${1}"+p))
	return vhostRE.ReplaceAll(conf, []byte("${1}"+p+">"))
}

// copyLua copies the *.lua files of dir into auth.
func copyLua(dir, auth string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil {
		return fmt.Errorf("listing lua files: %w", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("reading %s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(auth, filepath.Base(f)), data, 0o644); err != nil {
			return fmt.Errorf("copying %s: %w", f, err)
		}
	}
	return nil
}
