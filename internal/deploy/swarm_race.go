package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// rolloutTries is how many times up deploys a stack file whose update
// Swarm rolled back because of an engine race (engineRace).
const rolloutTries = 3

// engineRace reports whether a task's error is the dockerd race that a
// new try gets past: dockerd remounts a new task's secrets tmpfs
// read-only while the tmpfs is still busy, and fails the task at start
// (moby/moby#48783; dockerd retries the remount itself since 29.4.1,
// Debian 12 ships 20.10). A rolling update counts that task as failed and
// rolls back, although the new spec is fine.
func engineRace(taskErr string) bool {
	return strings.Contains(taskErr, "unable to remount dir as readonly") && strings.Contains(taskErr, "device or resource busy")
}

// rollout deploys the stack file and waits until the stack runs it
// (waitSwarm, up to o.Timeout each try). An update Swarm rolled back
// because a task of the new spec failed on an engine race is deployed
// again once the rollback is done, up to rolloutTries in all; any other
// failure is returned as it is. Each retry is also a note (up's result).
func (o *Options) rollout(ctx context.Context, s *Swarm, want map[string][]string) ([]Endpoint, []string, error) {
	var notes []string
	for try := 1; ; try++ {
		o.Progress("deploying the stack " + s.Stack + " with docker stack deploy")
		if err := s.Deploy(ctx); err != nil {
			return nil, notes, err
		}
		eps, err := o.waitSwarm(ctx, s, want)
		if err == nil || !errors.Is(err, errRolledBack) || try == rolloutTries {
			return eps, notes, err
		}
		tasks, terr := s.stackTasks(ctx)
		if terr != nil {
			return nil, notes, err
		}
		svc, why := racedTask(tasks, want)
		if svc == "" {
			return nil, notes, err
		}
		note := fmt.Sprintf("%s rolled back: a task of the new spec failed on a docker engine race (moby/moby#48783: %s); deployed again (try %d of %d)",
			s.service(svc), why, try+1, rolloutTries)
		notes = append(notes, note)
		o.Progress(note)
		if err := s.settled(ctx, o.Timeout); err != nil {
			return nil, notes, err
		}
	}
}

// racedTask finds a failed task that ran the stack file's spec of a
// service (want) and failed on an engine race: the service and the
// task's error, or "" when there is none.
func racedTask(tasks []swarmTask, want map[string][]string) (svc, why string) {
	for _, t := range tasks {
		if (t.Status.State != "failed" && t.Status.State != "rejected") || !engineRace(t.Status.Err) {
			continue
		}
		for _, name := range sortedKeys(want) {
			if slices.Equal(t.Spec.ContainerSpec.objects(), want[name]) {
				return name, t.Status.Err
			}
		}
	}
	return "", ""
}

// settled waits until no service of the stack is updating or rolling
// back.
func (s *Swarm) settled(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		services, err := s.Services(ctx)
		if err != nil {
			return err
		}
		busy := ""
		for _, name := range sortedKeys(services) {
			if state := services[name].moving(); state != "" {
				busy = s.service(name) + " is " + state
				break
			}
		}
		if busy == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: waiting %v for the rollback to end before deploying again: %s", ErrUnhealthy, timeout, busy)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
