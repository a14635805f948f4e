package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Options configure a Run. Zero fields take the defaults of Defaults.
type Options struct {
	Size          int64         // bytes of the big image (split into BigLayers layers)
	BigLayers     int           // layers of the big image
	SmallLayers   int           // layers of the small-layers image
	SmallSize     int64         // bytes of each small layer
	Reps          int           // repetitions of every measurement
	Duration      time.Duration // how long each throughput run lasts
	Clients       int           // concurrent keep-alive clients for throughput
	Requests      int           // sequential requests per latency run
	Handshakes    int           // TLS handshakes per handshake run
	FleetClients  int           // clients of the fleet runs, each with its own connections
	FleetSize     int64         // bytes of the image every fleet client pulls (BigLayers layers)
	FleetPushSize int64         // bytes of each fleet client's own pushed image (2 layers)
	BcryptCost    int           // bcrypt cost of every htpasswd
	Variants      []string      // variant specs (see ParseVariant)
	Confs         []string      // hand-edited httpd.conf files, one variant each
	Metrics       []string      // metric IDs to measure; empty means all
	WorkDir       string        // parent of the temporary directory ("" = os.TempDir)
	Keep          bool          // keep the temporary directory (for debugging)
	HTTP2         bool          // offer HTTP/2 in the clients' TLS handshake (servers that accept it switch)
	Progress      io.Writer     // progress lines; nil discards them
}

// DefaultVariants is the variant set of a normal run.
var DefaultVariants = []string{"direct", "registry-tls-htpasswd", "nginx-recipe", "apache-recipe", "regsetup-secure", "regsetup-secure-proxied", "regsetup-secure-ldap", "regsetup-compose"}

// Defaults is a full-size run: a 1 GiB image of 4 layers, 64 × 64 KiB
// layers, 3 repetitions, 5 s throughput runs with 8 clients, 16 fleet
// clients pulling one 256 MiB image and pushing 64 MiB each, bcrypt cost 5.
func Defaults() Options {
	return Options{
		Size: 1 << 30, BigLayers: 4, SmallLayers: 64, SmallSize: 64 << 10,
		Reps: 3, Duration: 5 * time.Second, Clients: 8, Requests: 500,
		Handshakes: 200, FleetClients: 16, FleetSize: 256 << 20, FleetPushSize: 64 << 20,
		BcryptCost: 5, Variants: DefaultVariants,
	}
}

// Quick is a small, fast run for CI smoke tests (well under a minute).
func Quick() Options {
	o := Defaults()
	o.Size, o.SmallLayers, o.Reps, o.Duration = 8<<20, 16, 1, time.Second
	o.Requests, o.Handshakes = 100, 50
	o.FleetSize, o.FleetPushSize = 8<<20, 2<<20
	return o
}

// withDefaults fills zero fields from Defaults.
func (o Options) withDefaults() Options {
	d := Defaults()
	if o.Size <= 0 {
		o.Size = d.Size
	}
	if o.BigLayers <= 0 {
		o.BigLayers = d.BigLayers
	}
	if o.SmallLayers <= 0 {
		o.SmallLayers = d.SmallLayers
	}
	if o.SmallSize <= 0 {
		o.SmallSize = d.SmallSize
	}
	if o.Reps <= 0 {
		o.Reps = d.Reps
	}
	if o.Duration <= 0 {
		o.Duration = d.Duration
	}
	if o.Clients <= 0 {
		o.Clients = d.Clients
	}
	if o.Requests <= 0 {
		o.Requests = d.Requests
	}
	if o.Handshakes <= 0 {
		o.Handshakes = d.Handshakes
	}
	if o.FleetClients <= 0 {
		o.FleetClients = d.FleetClients
	}
	if o.FleetSize <= 0 {
		o.FleetSize = d.FleetSize
	}
	if o.FleetPushSize <= 0 {
		o.FleetPushSize = d.FleetPushSize
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = d.BcryptCost
	}
	if len(o.Variants) == 0 && len(o.Confs) == 0 {
		o.Variants = d.Variants
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// validate rejects options no run can honour.
func (o Options) validate() error {
	if o.BcryptCost < 4 || o.BcryptCost > 31 {
		return fmt.Errorf("bcrypt cost %d is out of range 4-31", o.BcryptCost)
	}
	if o.Size < int64(o.BigLayers) {
		return fmt.Errorf("size %d is smaller than %d layers of one byte", o.Size, o.BigLayers)
	}
	if o.FleetSize < int64(o.BigLayers) || o.FleetPushSize < 2 {
		return fmt.Errorf("fleet image sizes %d and %d are too small for their layers", o.FleetSize, o.FleetPushSize)
	}
	known := map[string]bool{}
	for _, m := range metricList(o) {
		known[m.ID] = true
	}
	for _, m := range o.Metrics {
		if !known[m] {
			return fmt.Errorf("unknown metric %q", m)
		}
	}
	seen := map[string]bool{}
	for _, v := range o.Variants {
		spec, err := ParseVariant(v)
		if err != nil {
			return err
		}
		if seen[spec.Name()] {
			return fmt.Errorf("variant %q given twice", spec.Name())
		}
		seen[spec.Name()] = true
	}
	return nil
}

// progressf writes one progress line.
func (o Options) progressf(format string, args ...any) {
	fmt.Fprintf(o.Progress, strings.TrimRight(format, "\n")+"\n", args...)
}
