package deploy

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// stackDoc is the part of stack.yml that status and up compare with what
// runs.
type stackDoc struct {
	Services map[string]struct {
		Configs []struct{ Source string }
		Secrets []struct{ Source string }
		Ports   []struct{ Target int }
		Deploy  struct{ Replicas int }
	}
	Configs map[string]struct{ Name, File string }
	Secrets map[string]struct{ Name, File string }
}

// stackFile is what a stack file asks for.
type stackFile struct {
	objects  map[string][]string // per service: the config and secret names it uses, sorted
	files    map[string]string   // object name -> the file it holds (auth/httpd.conf)
	replicas map[string]int      // per service
	port     int                 // the port Apache listens on in its tasks
}

// readStack reads the stack file on disk, for the stack named stack.
func readStack(file, stack string) (stackFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return stackFile{}, fmt.Errorf("reading %s: %w", file, err)
	}
	return parseStack(data, stack)
}

// parseStack reads a stack file. An object without a name: is named as
// docker stack deploy names it, STACK_KEY.
func parseStack(data []byte, stack string) (stackFile, error) {
	var doc stackDoc
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return stackFile{}, fmt.Errorf("reading the stack file: %w", err)
	}
	f := stackFile{objects: map[string][]string{}, files: map[string]string{}, replicas: map[string]int{}}
	for name, svc := range doc.Services {
		f.replicas[name] = svc.Deploy.Replicas
		f.objects[name] = []string{}
		if name == "apache" && len(svc.Ports) > 0 {
			f.port = svc.Ports[0].Target
		}
		refs := map[string]map[string]struct{ Name, File string }{}
		for _, r := range svc.Configs {
			refs[r.Source] = doc.Configs
		}
		for _, r := range svc.Secrets {
			refs[r.Source] = doc.Secrets
		}
		for key, decl := range refs {
			obj, ok := decl[key]
			if !ok {
				return stackFile{}, fmt.Errorf("reading the stack file: services.%s names %q, which the file does not declare", name, key)
			}
			n := obj.Name
			if n == "" {
				n = stack + "_" + key
			}
			f.objects[name] = append(f.objects[name], n)
			f.files[n] = strings.TrimPrefix(obj.File, "./")
		}
		sort.Strings(f.objects[name])
	}
	return f, nil
}
