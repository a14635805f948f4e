package deploy

// Action is what up did to one service.
type Action string

const (
	Started   Action = "started"   // it was not running; now it is
	Reloaded  Action = "reloaded"  // Apache re-read its config (graceful, SIGUSR1)
	Recreated Action = "recreated" // a new container replaced the running one
	Unchanged Action = "unchanged" // it was running and already had the files on disk
	Updated   Action = "updated"   // swarm: a rolling update replaced its tasks, one at a time
)

// ServiceResult is what up did to one service, and why.
type ServiceResult struct {
	Service string `json:"service"`
	Action  Action `json:"action"`
	Reason  string `json:"reason,omitempty"`
}

// Result says what up did, service by service (sorted by name).
type Result struct {
	Services []ServiceResult `json:"services"`
	// Set is the auth/ set the running Apache loaded (OUT/auth/.current's
	// target then); "" in a folder without sets.
	Set string `json:"set"`
	// Notes are things that did not stop up (e.g. what PruneLegacy removed).
	Notes []string `json:"notes,omitempty"`
	// Command is what to run by hand when up applied nothing (target
	// kubernetes without a cluster: the kubectl apply -k line).
	Command string `json:"command,omitempty"`
	// Endpoints (swarm) are the Apache tasks' published ports that answered.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}
