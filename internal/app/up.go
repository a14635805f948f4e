package app

import (
	"context"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/internal/outdir"
)

// StackOptions tune Up and Down.
type StackOptions struct {
	Paths
	Compose  string        // compose command override
	Project  string        // compose project name
	Timeout  time.Duration // readiness timeout
	Progress func(string)  // progress lines (the CLI prints them on stderr)
	// SkipConfigTest starts without `httpd -t` first; the readiness gate
	// still catches a config that does not start.
	SkipConfigTest bool
}

func (o StackOptions) deploy(res *InitResult) deploy.Options {
	m := res.Model
	return deploy.Options{
		Dir: res.Out, Domain: m.Domain, Port: m.Port,
		ApacheImage: m.ApacheImage, RegistryImage: m.RegistryImage,
		Compose: o.Compose, Project: o.Project, Timeout: o.Timeout, Progress: o.Progress,
		SkipConfigTest: o.SkipConfigTest,
	}
}

// Up renders the spec if needed (never replacing edited files), then
// starts the stack and waits until it answers.
func Up(ctx context.Context, o StackOptions) (*InitResult, error) {
	res, err := Init(InitOptions{Paths: o.Paths})
	if err != nil {
		return res, err
	}
	d := o.deploy(res)
	d.Restart = authChanged(res.Changes)
	return res, deploy.Up(ctx, d)
}

// Down stops the stack; deleteData also empties data/. It needs only the
// output folder, not a valid spec (passwords may be gone by then).
func Down(ctx context.Context, o StackOptions, deleteData bool) error {
	return deploy.Down(ctx, deploy.Options{
		Dir: o.OutDir(), Compose: o.Compose, Project: o.Project, Progress: o.Progress,
	}, deleteData)
}

func authChanged(changes []outdir.Change) bool {
	for _, c := range changes {
		if strings.HasPrefix(c.Path, "auth/") && c.Action != outdir.Unchanged {
			return true
		}
	}
	return false
}
