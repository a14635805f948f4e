package generator

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"text/template"

	"github.com/regsetup/regsetup/model"
)

// Kubernetes artifacts (deploy.target: kubernetes), relative to the output
// folder. `kubectl apply -k kubernetes/` applies the folder: kustomize reads
// only files inside its root, so the kustomization's generators name copies
// of the auth/ files and of registry/config.yml kept inside kubernetes/.
const (
	KubeDir           = "kubernetes"
	KubeKustomization = KubeDir + "/kustomization.yaml"
	KubeApache        = KubeDir + "/apache.yaml"
	KubeRegistry      = KubeDir + "/registry.yaml"
)

// Names of the Kubernetes objects. The registry's Service is "registry"
// because the rendered httpd.conf proxies to http://registry:5000.
const (
	KubeApacheName   = "apache"
	KubeRegistryName = "registry"
	KubeDataClaim    = "registry-data" // the PersistentVolumeClaim (storage: filesystem)
	kubeApacheConf   = "apache-conf"   // ConfigMap: the public auth/ files
	kubeApacheAuth   = "apache-auth"   // Secret: the private auth/ files
	kubeRegistryConf = "registry-config"
	// KubeStorageLabel marks the objects that hold data (the claim):
	// `regsetup down` keeps them unless asked to delete the data.
	KubeStorageLabel = "app.kubernetes.io/component=storage"
	// KubeLabel is on every object of the folder (the kustomization's
	// labels), the older generations of the generated ones too.
	KubeLabel = "app.kubernetes.io/part-of=regsetup"
	// kubeDataSize is what the claim requests; change it in an overlay.
	kubeDataSize = "10Gi"
)

// KubernetesFiles renders the kubernetes/ folder from the artifacts Render
// made (every auth/ file, whatever the backend: the private ones become a
// Secret, the others a ConfigMap; and registry/config.yml, a Secret). The
// kustomize generators give those objects content-hash names, so a change
// of any file rolls the Deployments that mount it, and a render with the
// same files changes no byte.
func KubernetesFiles(m *model.Model, rendered []File) ([]File, error) {
	k := kubeData{
		Model:            m,
		ApacheReplicas:   max(m.Deploy.Replicas.Apache, 1),
		RegistryReplicas: max(m.Deploy.Replicas.Registry, 1),
		Filesystem:       m.Storage.Driver != model.StorageS3,
		LDAPEnv:          LDAPEnv(m),
		ApacheConf:       kubeApacheConf, ApacheAuth: kubeApacheAuth, RegistryConf: kubeRegistryConf,
		DataClaim: KubeDataClaim, DataSize: kubeDataSize,
	}
	var copies []File
	haveConfig := false
	for _, f := range rendered {
		inAuth := strings.HasPrefix(f.Path, "auth/")
		switch {
		case inAuth && f.Private:
			k.Secrets = append(k.Secrets, f.Path)
		case inAuth:
			k.Configs = append(k.Configs, f.Path)
		case f.Path == RegistryConfig:
			haveConfig = true
		default:
			continue
		}
		copies = append(copies, kubeCopy(f))
	}
	if !haveConfig {
		return nil, fmt.Errorf("rendering %s/: the registry's %s was not rendered", KubeDir, RegistryConfig)
	}
	if len(k.Configs) == 0 || len(k.Secrets) == 0 {
		return nil, fmt.Errorf("rendering %s/: no auth/ files to mount in Apache", KubeDir)
	}
	files := make([]File, 0, 3+len(copies))
	for _, t := range []struct {
		path string
		tmpl *template.Template
	}{{KubeKustomization, kustomizationTmpl}, {KubeApache, kubeApacheTmpl}, {KubeRegistry, kubeRegistryTmpl}} {
		var b bytes.Buffer
		if err := t.tmpl.Execute(&b, k); err != nil {
			return nil, fmt.Errorf("rendering %s: %w", t.path, err)
		}
		files = append(files, File{Path: t.path, Data: b.Bytes(), Mode: 0o644})
	}
	return append(files, copies...), nil
}

// kubeCopy is f's copy inside kubernetes/: the same bytes; private files
// (passwords, keys, the registry's config with its secret) 0600, because
// only kubectl reads them there.
func kubeCopy(f File) File {
	mode := f.Mode
	if f.Private || f.Path == RegistryConfig {
		mode = 0o600
	}
	return File{Path: path.Join(KubeDir, f.Path), Data: f.Data, Mode: mode}
}

// kubeData is what the manifest templates read.
type kubeData struct {
	*model.Model
	ApacheReplicas, RegistryReplicas int
	Filesystem                       bool     // storage: filesystem (a claim); else s3
	LDAPEnv                          []string // Apache's environment (KEY=VALUE)
	Configs, Secrets                 []string // the auth/ copies, relative to kubernetes/
	ApacheConf, ApacheAuth           string
	RegistryConf                     string
	DataClaim, DataSize              string
}

// ApacheName and RegistryName name each tier's Deployment, Service and
// PodDisruptionBudget.
func (kubeData) ApacheName() string   { return KubeApacheName }
func (kubeData) RegistryName() string { return KubeRegistryName }

// PartOf is KubeLabel as a YAML pair.
func (kubeData) PartOf() string { return strings.Replace(KubeLabel, "=", ": ", 1) }

// AccessMode is the claim's: several registry replicas share the one
// filesystem root, which needs ReadWriteMany (ReadWriteOnce would pin
// every replica to one node, or fail to attach).
func (k kubeData) AccessMode() string {
	if k.RegistryReplicas > 1 {
		return "ReadWriteMany"
	}
	return "ReadWriteOnce"
}

// RegistryRecreate: one replica on a ReadWriteOnce claim must stop before
// its successor can mount the claim (on another node it would never
// attach); with shared storage the registry rolls like Apache.
func (k kubeData) RegistryRecreate() bool {
	return k.Filesystem && k.RegistryReplicas == 1
}

var kubeFuncs = template.FuncMap{
	// q quotes a string for YAML (a JSON string is a YAML scalar).
	"q": func(s string) string { return fmt.Sprintf("%q", s) },
	// env splits KEY=VALUE.
	"env": func(kv string) [2]string { k, v, _ := strings.Cut(kv, "="); return [2]string{k, v} },
}

func kubeTemplate(name, text string) *template.Template {
	return template.Must(template.New(name).Funcs(kubeFuncs).Parse(text))
}
