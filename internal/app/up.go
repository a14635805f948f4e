package app

import (
	"context"
	"time"

	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
)

// StackOptions tune Up, Down and Status.
type StackOptions struct {
	Paths
	Compose  string        // compose command override
	Project  string        // compose project name
	Timeout  time.Duration // readiness (and reload) timeout
	Progress func(string)  // progress lines (the CLI prints them on stderr)
	// SkipConfigTest starts without `httpd -t` first; the readiness gate
	// still catches a config that does not start. A reload always runs
	// httpd -t in the running container.
	SkipConfigTest bool
	// ReloadApache (apache.mode include): after starting the registry, run
	// the layout's graceful reload of your Apache; otherwise it is never
	// touched.
	ReloadApache bool
}

func (o StackOptions) deploy(res *InitResult) deploy.Options {
	m := res.Model
	return deploy.Options{
		Dir: res.Out, Domain: m.Domain, Port: m.Port,
		ApacheImage: m.ApacheImage, RegistryImage: m.RegistryImage,
		Compose: o.Compose, Project: o.Project, Timeout: o.Timeout, Progress: o.Progress,
		SkipConfigTest: o.SkipConfigTest,
		Include:        includeDeploy(m, o.ReloadApache),
	}
}

// UpResult is what Up rendered and what it did to the running stack.
type UpResult struct {
	*deploy.Result
	Init *InitResult `json:"-"`
}

// Up renders the spec if needed (never replacing edited files), then
// brings the stack to the files on disk (start, graceful reload or
// re-create, per deploy.Up) and waits until it answers.
func Up(ctx context.Context, o StackOptions) (*UpResult, error) {
	res, err := Init(InitOptions{Paths: o.Paths})
	if err != nil {
		return &UpResult{Init: res}, err
	}
	r, err := upTarget(ctx, res.Model.Deploy.Target, o.deploy(res))
	return &UpResult{Result: r, Init: res}, err
}

// upTarget runs up the way the deploy target needs.
func upTarget(ctx context.Context, target string, o deploy.Options) (*deploy.Result, error) {
	switch target {
	case model.TargetSwarm:
		return deploy.SwarmUp(ctx, o)
	case model.TargetKubernetes:
		return deploy.KubeUp(ctx, o)
	}
	return deploy.Up(ctx, o)
}

// folderTarget is the deploy target of the spec or, when the spec cannot
// be read (down and status need only the output folder), the one the
// folder was rendered for.
func folderTarget(p Paths) string {
	if m, err := spec.Load(p.Spec, spec.Options{}); err == nil {
		return m.Deploy.Target
	}
	switch {
	case deploy.IsSwarm(p.OutDir()):
		return model.TargetSwarm
	case deploy.IsKube(p.OutDir()):
		return model.TargetKubernetes
	}
	return model.TargetCompose
}

// Down stops the stack; deleteData also empties data/. It needs only the
// output folder, not a valid spec (passwords may be gone by then).
func Down(ctx context.Context, o StackOptions, deleteData bool) error {
	do := deploy.Options{Dir: o.OutDir(), Compose: o.Compose, Project: o.Project, Timeout: o.Timeout, Progress: o.Progress}
	switch folderTarget(o.Paths) {
	case model.TargetSwarm:
		return deploy.SwarmDown(ctx, do, deleteData)
	case model.TargetKubernetes:
		return deploy.KubeDown(ctx, do, deleteData)
	}
	return deploy.Down(ctx, do, deleteData)
}
