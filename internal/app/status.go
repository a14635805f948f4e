package app

import (
	"context"

	"github.com/regsetup/regsetup/internal/deploy"
)

// Status reports what runs and whether it runs the files in the output
// folder (see deploy.StatusOf for the errors). Like Down it needs only the
// output folder, not a valid spec.
func Status(ctx context.Context, o StackOptions) (*deploy.Status, error) {
	status := deploy.StatusOf
	if deploy.IsKube(o.OutDir()) {
		status = deploy.KubeStatus
	}
	return status(ctx, deploy.Options{Dir: o.OutDir(), Project: o.Project})
}
