package model

// Targets: the engine that runs the stack.
const (
	// TargetCompose is one machine with Docker Compose (the recipe's way).
	TargetCompose = "compose"
	// TargetSwarm is Docker Swarm: `docker stack deploy` of stack.yml.
	TargetSwarm = "swarm"
	// TargetKubernetes is a kustomization in kubernetes/ (`kubectl apply -k`).
	TargetKubernetes = "kubernetes"
)

// Deploy says where the stack runs and how many of each service.
type Deploy struct {
	Target   string // TargetCompose, TargetSwarm or TargetKubernetes
	Replicas Replicas
}

// Replicas is how many tasks (containers, pods) each service runs.
type Replicas struct {
	Apache   int
	Registry int
}

// Storage drivers of the registry.
const (
	// StorageFilesystem is one folder: ./data with Compose, a shared volume
	// otherwise.
	StorageFilesystem = "filesystem"
	// StorageS3 is an S3-compatible object store.
	StorageS3 = "s3"
)

// Storage is where the registry keeps blobs and manifests.
type Storage struct {
	Driver string // StorageFilesystem or StorageS3
	S3     *S3    // set only with StorageS3
}

// S3 is an S3-compatible bucket.
type S3 struct {
	// Endpoint is the server's URL, https unless the spec allows
	// plaintext; "" means AWS itself (the region's endpoint).
	Endpoint      string
	Bucket        string
	Region        string
	RootDirectory string // a prefix inside the bucket; "" = the bucket's root
	AccessKey     Secret
	SecretKey     Secret
}

// RegistryConfigured reports whether the registry gets a rendered
// config.yml instead of its image's: on Swarm and Kubernetes (the shared
// http.secret, no per-replica cache), and with S3 storage. The zero
// Deploy and Storage are Compose on the filesystem.
func (m *Model) RegistryConfigured() bool {
	scaled := m.Deploy.Target != "" && m.Deploy.Target != TargetCompose
	return scaled || m.Storage.Driver == StorageS3
}
