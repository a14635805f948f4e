package bench

import (
	"math"
	"slices"
	"time"
)

// Metric is one measured quantity.
type Metric struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Unit   string `json:"unit"`   // of Sample.Value and the summaries
	Higher bool   `json:"higher"` // higher is better (a rate) rather than lower (a time)
	// From is the metric whose run also yields this one (the fleet's
	// slowest client and memory); "" for a metric measured on its own.
	From string `json:"from,omitempty"`
}

// Metric IDs.
const (
	MPushBig    = "push-big"
	MPullBig    = "pull-big"
	MPushSmall  = "push-small"
	MPullSmall  = "pull-small"
	MGetV2      = "get-v2"
	MHeadBlob   = "head-blob"
	MThroughput = "throughput"
	MHandshake  = "handshake"

	MPushBigCPU = "push-big-cpu"
	MPullBigCPU = "pull-big-cpu"

	MFleetPull        = "fleet-pull"
	MFleetPullSlowest = "fleet-pull-slowest"
	MFleetPullMem     = "fleet-pull-mem"
	MFleetPullMemAll  = "fleet-pull-mem-all"
	MFleetIdleMem     = "fleet-idle-mem"
	MFleetPush        = "fleet-push"
	MFleetPushSlowest = "fleet-push-slowest"
	MFleetPushMem     = "fleet-push-mem"
	MFleetPushRetries = "fleet-push-retries"
)

// Sample is one measurement of one metric on one variant.
type Sample struct {
	Variant string  `json:"variant"`
	Metric  string  `json:"metric"`
	Rep     int     `json:"rep"`
	Value   float64 `json:"value"`
}

// Summary aggregates a variant's samples of a metric.
type Summary struct {
	Variant string    `json:"variant"`
	Metric  string    `json:"metric"`
	Median  float64   `json:"median"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	Values  []float64 `json:"values"`
	// Ratio is how many times worse than "direct" the median is: the time
	// divided by direct's, or direct's rate divided by the rate; 0 when
	// there is no direct figure (or, for handshakes, direct has no TLS).
	Ratio float64 `json:"ratio,omitempty"`
}

// VariantInfo describes a variant as run.
type VariantInfo struct {
	Name      string         `json:"name"`
	Kind      string         `json:"kind"`
	Key       string         `json:"key,omitempty"`
	Conf      string         `json:"conf,omitempty"`
	Handshake *handshakeInfo `json:"handshake,omitempty"`
}

// Result is a whole run.
type Result struct {
	Started  time.Time     `json:"started"`
	Elapsed  float64       `json:"elapsed_seconds"`
	Host     HostInfo      `json:"host"`
	Settings Settings      `json:"settings"`
	Variants []VariantInfo `json:"variants"`
	Metrics  []Metric      `json:"metrics"`
	Samples  []Sample      `json:"samples"`
	Summary  []Summary     `json:"summary"`
}

// Settings are the options that shape the numbers.
type Settings struct {
	Size          int64   `json:"size"`
	BigLayers     int     `json:"big_layers"`
	SmallLayers   int     `json:"small_layers"`
	SmallSize     int64   `json:"small_size"`
	Reps          int     `json:"reps"`
	Duration      float64 `json:"duration_seconds"`
	Clients       int     `json:"clients"`
	Requests      int     `json:"requests"`
	Handshakes    int     `json:"handshakes"`
	FleetClients  int     `json:"fleet_clients"`
	FleetSize     int64   `json:"fleet_size"`
	FleetPushSize int64   `json:"fleet_push_size"`
	BcryptCost    int     `json:"bcrypt_cost"`
}

// HostInfo is the machine and software measured.
type HostInfo struct {
	CPUs     int    `json:"cpus"`
	CPU      string `json:"cpu,omitempty"`
	Kernel   string `json:"kernel,omitempty"`
	Apache   string `json:"apache,omitempty"`
	Nginx    string `json:"nginx,omitempty"`
	Registry string `json:"registry,omitempty"`
	Go       string `json:"go"`
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5, 15 min averages
	// when the measurements start and end: other work skews the numbers.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

// metricList is the metrics of a run with options o, in table order: all
// of them, or those of o.Metrics.
func metricList(o Options) []Metric {
	all := []Metric{
		{MPushBig, "push " + sizeName(o.Size) + " image (" + itoa(o.BigLayers) + " layers)", "s", false, ""},
		{MPullBig, "pull " + sizeName(o.Size) + " image", "s", false, ""},
		{MPushBigCPU, "push " + sizeName(o.Size) + ": servers' CPU time (proxy + registry)", "s", false, MPushBig},
		{MPullBigCPU, "pull " + sizeName(o.Size) + ": servers' CPU time (proxy + registry)", "s", false, MPullBig},
		{MPushSmall, "push " + itoa(o.SmallLayers) + " × " + sizeName(o.SmallSize) + " layers", "s", false, ""},
		{MPullSmall, "pull " + itoa(o.SmallLayers) + " × " + sizeName(o.SmallSize) + " layers", "s", false, ""},
		{MGetV2, "GET /v2/ keep-alive latency (median of " + itoa(o.Requests) + ")", "ms", false, ""},
		{MHeadBlob, "HEAD blob keep-alive latency (median of " + itoa(o.Requests) + ")", "ms", false, ""},
		{MThroughput, "GET /v2/ throughput, " + itoa(o.Clients) + " keep-alive clients", "req/s", true, ""},
		{MHandshake, "TLS handshake, new connection (median of " + itoa(o.Handshakes) + ")", "ms", false, ""},
		{MFleetPull, itoa(o.FleetClients) + " clients pull one " + sizeName(o.FleetSize) + " image at once: aggregate", "MiB/s", true, ""},
		{MFleetPullSlowest, itoa(o.FleetClients) + " clients pull: slowest client", "s", false, MFleetPull},
		{MFleetPullMem, itoa(o.FleetClients) + " clients pull: TLS server's peak memory (PSS of the proxy's process tree, or the registry's)", "MiB", false, MFleetPull},
		{MFleetIdleMem, "TLS server's memory just before the fleet pull (PSS)", "MiB", false, MFleetPull},
		{MFleetPullMemAll, itoa(o.FleetClients) + " clients pull: peak memory of proxy + registry (PSS)", "MiB", false, MFleetPull},
		{MFleetPush, itoa(o.FleetClients) + " clients push their own " + sizeName(o.FleetPushSize) + " image at once: aggregate", "MiB/s", true, ""},
		{MFleetPushSlowest, itoa(o.FleetClients) + " clients push: slowest client", "s", false, MFleetPush},
		{MFleetPushMem, itoa(o.FleetClients) + " clients push: TLS server's peak memory (PSS)", "MiB", false, MFleetPush},
		{MFleetPushRetries, itoa(o.FleetClients) + " clients push: requests retried after a lost connection", "retries", false, MFleetPush},
	}
	if len(o.Metrics) == 0 {
		return all
	}
	var out []Metric
	for _, m := range all {
		if slices.Contains(o.Metrics, m.ID) || m.From != "" && slices.Contains(o.Metrics, m.From) {
			out = append(out, m)
		}
	}
	return out
}

// MetricIDs lists every metric ID, in table order.
func MetricIDs() []string {
	var ids []string
	for _, m := range metricList(Options{}) {
		ids = append(ids, m.ID)
	}
	return ids
}

// summarize aggregates samples per variant and metric, in the order of
// variants and metrics, with ratios to the variant named "direct".
func summarize(variants []VariantInfo, metrics []Metric, samples []Sample) []Summary {
	var out []Summary
	direct := map[string]float64{}
	for _, m := range metrics {
		for _, v := range variants {
			var vals []float64
			for _, s := range samples {
				if s.Variant == v.Name && s.Metric == m.ID {
					vals = append(vals, s.Value)
				}
			}
			if len(vals) == 0 {
				continue
			}
			sorted := slices.Clone(vals)
			s := Summary{Variant: v.Name, Metric: m.ID, Values: vals, Median: median(sorted), Min: sorted[0], Max: sorted[len(sorted)-1]}
			if v.Name == KindDirect {
				direct[m.ID] = s.Median
			}
			out = append(out, s)
		}
	}
	higher := map[string]bool{}
	for _, m := range metrics {
		higher[m.ID] = m.Higher
	}
	for i, s := range out {
		d, ok := direct[s.Metric]
		if !ok || d == 0 || s.Median == 0 {
			continue
		}
		r := s.Median / d
		if higher[s.Metric] {
			r = d / s.Median
		}
		out[i].Ratio = math.Round(r*1000) / 1000
	}
	return out
}

// Find returns the summary of variant and metric.
func (r *Result) Find(variant, metric string) (Summary, bool) {
	for _, s := range r.Summary {
		if s.Variant == variant && s.Metric == metric {
			return s, true
		}
	}
	return Summary{}, false
}

// metric returns the metric with id.
func (r *Result) metric(id string) Metric {
	for _, m := range r.Metrics {
		if m.ID == id {
			return m
		}
	}
	return Metric{ID: id}
}
