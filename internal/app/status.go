package app

import (
	"context"

	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/model"
)

// Status reports what runs and whether it runs the files in the output
// folder (see deploy.StatusOf for the errors). Like Down it needs only the
// output folder, not a valid spec.
func Status(ctx context.Context, o StackOptions) (*deploy.Status, error) {
	do := deploy.Options{Dir: o.OutDir(), Project: o.Project}
	switch folderTarget(o.Paths) {
	case model.TargetSwarm:
		return deploy.SwarmStatusOf(ctx, do)
	case model.TargetKubernetes:
		return deploy.KubeStatus(ctx, do)
	}
	return deploy.StatusOf(ctx, do)
}
