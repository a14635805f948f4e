package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// Run sets up every variant of o, measures them (interleaved, o.Reps times)
// and tears everything down, also on error or when ctx ends.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	specs, err := variantSpecs(o)
	if err != nil {
		return nil, err
	}
	if m := stacktest.Missing(); len(m) > 0 {
		return nil, fmt.Errorf("missing %v (run scripts/ci-setup.sh)", m)
	}
	dir, err := os.MkdirTemp(o.WorkDir, "regsetup-bench-")
	if err != nil {
		return nil, fmt.Errorf("creating work dir: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating work dir: %w", err)
	}
	if o.Keep {
		o.progressf("work dir %s (kept)", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	e, err := newEnv(dir, o)
	if err != nil {
		return nil, err
	}
	res = &Result{Started: time.Now().UTC(), Host: hostInfo(), Metrics: metricList(o), Settings: Settings{
		Size: o.Size, BigLayers: o.BigLayers, SmallLayers: o.SmallLayers, SmallSize: o.SmallSize, Reps: o.Reps,
		Duration: o.Duration.Seconds(), Clients: o.Clients, Requests: o.Requests, Handshakes: o.Handshakes, BcryptCost: o.BcryptCost,
		FleetClients: o.FleetClients, FleetSize: o.FleetSize, FleetPushSize: o.FleetPushSize,
	}}

	o.progressf("generating images: %s in %d layers, %d × %s", sizeName(o.Size), o.BigLayers, o.SmallLayers, sizeName(o.SmallSize))
	block := randomBlock()
	big, _, err := genImage(1000, split(o.Size, o.BigLayers), block)
	if err != nil {
		return nil, err
	}
	small, _, err := genImage(2000, repeat(o.SmallSize, o.SmallLayers), block)
	if err != nil {
		return nil, err
	}
	fixture, fixLayers, err := genImage(3000, []int64{4096}, block)
	if err != nil {
		return nil, err
	}
	fixBlob, _ := fixLayers[0].Digest()
	imgs := images{big: big, small: small, blob: fixBlob.String()}
	if wants(res.Metrics, MFleetPull) {
		if imgs.fleet, _, err = genImage(4000, split(o.FleetSize, o.BigLayers), block); err != nil {
			return nil, err
		}
	}
	if wants(res.Metrics, MFleetPush) {
		o.progressf("generating fleet push images: %d reps × %d × %s", o.Reps, o.FleetClients, sizeName(o.FleetPushSize))
		for rep := range o.Reps {
			is, err := fleetImages(o, rep, block)
			if err != nil {
				return nil, err
			}
			imgs.fleetPush = append(imgs.fleetPush, is)
		}
	}

	var runs []running
	defer func() {
		for _, r := range runs {
			r.stop()
		}
		o.progressf("stopped %d variants", len(runs))
	}()
	for _, s := range specs {
		o.progressf("starting %s", s.Name())
		r, err := e.start(s)
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", s.Name(), err)
		}
		runs = append(runs, r)
		info := VariantInfo{Name: s.Name(), Kind: s.Kind, Conf: s.Conf}
		if s.TLS() {
			info.Key = s.Key
		}
		res.Variants = append(res.Variants, info)
		if _, err := e.push(ctx, r.target(), "bench/fixture", fixture); err != nil {
			return nil, fmt.Errorf("%w\n--- log tail ---\n%s", err, r.logTail(20))
		}
		if imgs.fleet != nil {
			if _, err := e.push(ctx, r.target(), "bench/fleet", imgs.fleet); err != nil {
				return nil, fmt.Errorf("%w\n--- log tail ---\n%s", err, r.logTail(20))
			}
		}
	}

	started := time.Now()
	res.Host.LoadBefore = loadAvg()
	for rep := range o.Reps {
		for _, m := range res.Metrics {
			if m.From != "" {
				continue // measured with m.From
			}
			for i := range runs {
				idx := (i + rep) % len(runs) // rotate the order every repetition
				r := runs[idx]
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				vals, err := e.measure(ctx, m.ID, r, specs[idx], rep, imgs, &res.Variants[idx])
				if err != nil {
					return nil, fmt.Errorf("rep %d, %s: %w\n--- log tail ---\n%s", rep+1, m.ID, err, r.logTail(20))
				}
				for _, mm := range res.Metrics { // in table order
					v, ok := vals[mm.ID]
					if !ok {
						continue
					}
					res.Samples = append(res.Samples, Sample{Variant: specs[idx].Name(), Metric: mm.ID, Rep: rep, Value: v})
					o.progressf("rep %d/%d %-18s %-28s %s %s", rep+1, o.Reps, mm.ID, specs[idx].Name(), format(v), mm.Unit)
				}
			}
		}
	}
	res.Elapsed = time.Since(started).Seconds()
	res.Host.LoadAfter = loadAvg()
	res.Summary = summarize(res.Variants, res.Metrics, res.Samples)
	return res, nil
}

// variantSpecs are the variants of o in order: Variants, then one per Conf.
func variantSpecs(o Options) ([]VariantSpec, error) {
	var specs []VariantSpec
	for _, v := range o.Variants {
		s, err := ParseVariant(v)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	seen := map[string]bool{}
	for _, s := range specs {
		seen[s.Name()] = true
	}
	for _, c := range o.Confs {
		if _, err := os.Stat(c); err != nil {
			return nil, fmt.Errorf("--conf: %w", err)
		}
		s := VariantSpec{Kind: KindConf, Key: KeyECDSA, Conf: c}
		if seen[s.Name()] {
			return nil, fmt.Errorf("two variants are named %q", s.Name())
		}
		seen[s.Name()] = true
		specs = append(specs, s)
	}
	if len(specs) == 0 {
		return nil, errors.New("no variant to run")
	}
	return specs, nil
}

// start sets up one variant in its own directory.
func (e *env) start(s VariantSpec) (running, error) {
	dir, err := e.variantDir(s.Name())
	if err != nil {
		return nil, err
	}
	switch s.Kind {
	case KindDirect:
		return startRegistry(e, s.Name(), dir, "")
	case KindRegistryTLS:
		return startRegistry(e, s.Name(), dir, s.Key)
	case KindNginx:
		return startNginx(e, s.Name(), dir, s.Key)
	case KindApache:
		return startApache(e, s.Name(), dir, "recipe", s.Key, "", "")
	case KindSecure:
		return startApache(e, s.Name(), dir, "secure", s.Key, "", "")
	case KindSecureProxied:
		return startApache(e, s.Name(), dir, "secure", s.Key, proxiedBlobs, "")
	case KindSecureLDAP:
		return startLDAP(e, s.Name(), dir, s.Key, false)
	case KindSecureLDAPNoCache:
		return startLDAP(e, s.Name(), dir, s.Key, true)
	case KindConf:
		return startApache(e, s.Name(), dir, "secure", s.Key, "", s.Conf)
	case KindCompose:
		return startCompose(e, s.Name(), dir, s.Key, "", false, false)
	case KindBridge:
		return startCompose(e, s.Name(), dir, s.Key, "", true, false)
	case KindBridgeProxied:
		return startCompose(e, s.Name(), dir, s.Key, proxiedBlobs, true, false)
	case KindSocket:
		return startCompose(e, s.Name(), dir, s.Key, proxiedBlobs, true, true)
	}
	return nil, fmt.Errorf("unknown variant kind %q", s.Kind)
}

// images are the run's generated images.
type images struct {
	big, small v1.Image
	blob       string       // digest of the fixture's layer
	fleet      v1.Image     // pulled by every fleet client
	fleetPush  [][]v1.Image // per repetition, one per fleet client
}

// wants reports whether metric id is among ms.
func wants(ms []Metric, id string) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// measure takes one sample of metric on r (and of the metrics measured
// with it), by metric ID; none when the metric does not apply (a
// handshake without TLS).
func (e *env) measure(ctx context.Context, metric string, r running, s VariantSpec, rep int, imgs images, info *VariantInfo) (map[string]float64, error) {
	o, t := e.opts, r.target()
	one := func(v float64, err error) (map[string]float64, error) {
		return map[string]float64{metric: v}, err
	}
	switch metric {
	case MPushBig:
		cpu := treeCPU(r.pids())
		d, err := e.push(ctx, t, fmt.Sprintf("bench/big-%d", rep), imgs.big)
		return map[string]float64{MPushBig: d.Seconds(), MPushBigCPU: treeCPU(r.pids()) - cpu}, err
	case MPullBig:
		cpu := treeCPU(r.pids())
		d, err := e.pull(ctx, t, fmt.Sprintf("bench/big-%d", rep))
		return map[string]float64{MPullBig: d.Seconds(), MPullBigCPU: treeCPU(r.pids()) - cpu}, err
	case MPushSmall:
		d, err := e.push(ctx, t, fmt.Sprintf("bench/small-%d", rep), imgs.small)
		return one(d.Seconds(), err)
	case MPullSmall:
		d, err := e.pull(ctx, t, fmt.Sprintf("bench/small-%d", rep))
		return one(d.Seconds(), err)
	case MGetV2:
		v, err := e.latency(ctx, t, http.MethodGet, "/v2/", o.Requests)
		return one(v*1000, err)
	case MHeadBlob:
		v, err := e.latency(ctx, t, http.MethodHead, "/v2/bench/fixture/blobs/"+imgs.blob, o.Requests)
		return one(v*1000, err)
	case MThroughput:
		return one(e.throughput(ctx, t, o.Clients, o.Duration))
	case MHandshake:
		if !s.TLS() {
			return nil, nil
		}
		v, hi, err := e.handshake(ctx, t, o.Handshakes)
		info.Handshake = &hi
		return one(v*1000, err)
	case MFleetPull:
		f, err := e.fleetPull(ctx, t, r, "bench/fleet", o.FleetSize)
		return f.values(MFleetPull, MFleetPullSlowest, MFleetPullMem, MFleetPullMemAll, MFleetIdleMem), err
	case MFleetPush:
		f, err := e.fleetPush(ctx, t, r, rep, imgs.fleetPush[rep], o.FleetPushSize)
		v := f.values(MFleetPush, MFleetPushSlowest, MFleetPushMem, "", "")
		v[MFleetPushRetries] = float64(f.retries)
		return v, err
	}
	return nil, fmt.Errorf("unknown metric %q", metric)
}

// hostInfo describes the machine and the software versions.
func hostInfo() HostInfo {
	h := HostInfo{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	h.CPU = firstMatch("/proc/cpuinfo", "model name")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = trim(string(b))
	}
	h.Apache = commandLine("/usr/local/apache2/bin/httpd", "-v")
	h.Nginx = commandLine(NginxBin, "-v")
	h.Registry = commandLine(stacktest.RegistryBin, "--version")
	return h
}
