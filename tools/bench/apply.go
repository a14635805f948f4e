package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// ApplyOptions configure RunApply. Zero fields take ApplyDefaults' values.
type ApplyOptions struct {
	Models      []ProcessModel // process models to compare (ModelOneProcess, ModelRendered, ...)
	Rounds      int            // password changes and config changes per model
	Clients     int            // load clients, one identity each
	Pause       time.Duration  // between one load client's requests
	Transfer    int64          // bytes of the upload in flight across one more config change (0 = none)
	TransferMin time.Duration  // the upload takes at least this long (it must span the change)
	BcryptCost  int
	Settle      time.Duration // how long failures are still counted after a change is in force
	WorkDir     string
	Keep        bool
	Progress    io.Writer
}

// ApplyDefaults is the full run: both process models, 5 changes of each
// kind, 6 clients at about 50 requests a second each, a 1 GiB upload.
func ApplyDefaults() ApplyOptions {
	return ApplyOptions{Models: DefaultModels, Rounds: 5, Clients: 6, Pause: 20 * time.Millisecond,
		Transfer: 1 << 30, TransferMin: 10 * time.Second, BcryptCost: 5, Settle: time.Second}
}

// ApplyQuick is the smoke run: one change of each kind, a 64 MiB upload
// over at least 4 s.
func ApplyQuick() ApplyOptions {
	o := ApplyDefaults()
	o.Rounds, o.Clients, o.Transfer, o.TransferMin, o.Settle = 1, 3, 64<<20, 4*time.Second, 300*time.Millisecond
	return o
}

// Change kinds.
const (
	ChangePassword         = "password"          // the probe's password: the password file only, no reload
	ChangeConfig           = "config"            // the probe's pull access: httpd.conf, graceful reload
	ChangePasswordTransfer = "password+transfer" // a password change while an upload is in flight
	ChangeTransfer         = "config+transfer"   // a config change while the same upload is in flight
)

// ApplySample is one change applied to one running stack.
type ApplySample struct {
	Model    string        `json:"model"`
	Kind     string        `json:"kind"`
	Latency  time.Duration `json:"latency_ns"`          // from the change on disk (init done) to the change in force
	Reload   time.Duration `json:"reload_ns,omitempty"` // from SIGUSR1 to httpd logging the new generation
	OK       int           `json:"ok"`                  // load requests answered 200 in time
	Failed   int           `json:"failed"`              // load requests refused, cut or answered otherwise
	Stalled  int           `json:"stalled"`             // load requests slower than stallAfter
	MaxLat   time.Duration `json:"max_request_ns"`
	FirstErr string        `json:"first_error,omitempty"`
	Transfer string        `json:"transfer,omitempty"` // the in-flight upload: "ok in 12s" or its error
}

// ApplyResult is a whole apply run.
type ApplyResult struct {
	Options ApplyOptions  `json:"-"`
	Models  []string      `json:"models"`
	Blocks  []string      `json:"blocks"` // each model's MPM block, as run
	Samples []ApplySample `json:"samples"`
	Host    HostInfo      `json:"host"`
	When    time.Time     `json:"when"`
}

func (o ApplyOptions) withDefaults() ApplyOptions {
	d := ApplyDefaults()
	if len(o.Models) == 0 {
		o.Models = d.Models
	}
	if o.Rounds <= 0 {
		o.Rounds = d.Rounds
	}
	if o.Clients <= 0 {
		o.Clients = d.Clients
	}
	if o.Pause <= 0 {
		o.Pause = d.Pause
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = d.BcryptCost
	}
	if o.Settle <= 0 {
		o.Settle = d.Settle
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// RunApply measures, for each process model, how long a change takes to be
// in force on a running stack under load and how many load requests fail
// meanwhile: password-file changes (no reload), config changes (graceful
// reload) and a config change while a long upload is in flight. Changes
// are made as a person makes them: edit the spec, run init in the same
// folder, and (for httpd.conf) a graceful reload.
func RunApply(ctx context.Context, o ApplyOptions) (*ApplyResult, error) {
	o = o.withDefaults()
	if m := stacktest.Missing(); len(m) > 0 {
		return nil, fmt.Errorf("missing %v (run scripts/ci-setup.sh)", m)
	}
	dir, err := os.MkdirTemp(o.WorkDir, "regsetup-bench-apply-")
	if err != nil {
		return nil, fmt.Errorf("creating work dir: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating work dir: %w", err)
	}
	if o.Keep {
		fmt.Fprintf(o.Progress, "apply: work dir %s (kept)\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	e, err := newEnv(dir, Options{BcryptCost: o.BcryptCost})
	if err != nil {
		return nil, err
	}
	res := &ApplyResult{Options: o, Host: hostInfo(), When: time.Now().UTC()}
	res.Host.LoadBefore = loadAvg()
	defer func() { res.Host.LoadAfter = loadAvg() }()
	for _, m := range o.Models {
		fmt.Fprintf(o.Progress, "apply: %s\n", m.Name)
		samples, block, err := e.applyModel(ctx, o, m)
		if err != nil {
			return nil, fmt.Errorf("process model %s: %w", m.Name, err)
		}
		res.Models = append(res.Models, m.Name)
		res.Blocks = append(res.Blocks, block)
		res.Samples = append(res.Samples, samples...)
	}
	return res, nil
}

func (e *env) applyModel(ctx context.Context, o ApplyOptions, m ProcessModel) ([]ApplySample, string, error) {
	st := applyState{ProbePassword: "probe-password-0", Open: true}
	a, err := newApplyStack(e, m, o.Clients, st)
	if err != nil {
		return nil, "", err
	}
	defer a.stop()
	block := m.Block
	if conf, err := os.ReadFile(a.dir + "/auth/httpd.conf"); err == nil {
		block = string(mpmBlockRE.Find(conf))
	}
	loadCtx, cancel := context.WithCancel(ctx)
	stats := &loadStats{}
	wait := e.runLoad(loadCtx, a, o.Pause, stats)
	defer func() { cancel(); wait() }()
	time.Sleep(time.Second) // every client warm, every process's cache filled
	stats.take()

	var samples []ApplySample
	add := func(s ApplySample, err error) error {
		if err != nil {
			return err
		}
		s.Model = m.Name
		fmt.Fprintf(o.Progress, "apply: %s %s: in force after %v, %d failed, %d stalled\n", m.Name, s.Kind, s.Latency.Round(time.Millisecond), s.Failed, s.Stalled)
		samples = append(samples, s)
		return nil
	}
	for r := range o.Rounds {
		prev := st.ProbePassword
		st.ProbePassword = fmt.Sprintf("probe-password-%d", r+1)
		if err := add(e.changePassword(ctx, o, a, st, prev, stats)); err != nil {
			return nil, "", err
		}
		st.Open = !st.Open
		if err := add(e.changeConfig(ctx, o, a, st, stats, nil)); err != nil {
			return nil, "", err
		}
	}
	if o.Transfer > 0 {
		up, err := e.startUpload(ctx, a, o.Transfer, o.TransferMin)
		if err != nil {
			return nil, "", err
		}
		up.waitSent(0.05)
		prev := st.ProbePassword
		st.ProbePassword = "probe-password-in-flight"
		s, err := e.changePassword(ctx, o, a, st, prev, stats)
		s.Kind = ChangePasswordTransfer
		if err := add(s, err); err != nil {
			return nil, "", err
		}
		if up.ended() {
			return nil, "", fmt.Errorf("the upload ended before the config change; raise TransferMin")
		}
		st.Open = !st.Open
		if err := add(e.changeConfig(ctx, o, a, st, stats, up)); err != nil {
			return nil, "", err
		}
	}
	return samples, block, nil
}

// changePassword applies a new probe password and waits until the new one
// is accepted (200, or 403 while the probe may not pull) and the previous
// one refused (401).
func (e *env) changePassword(ctx context.Context, o ApplyOptions, a *applyStack, st applyState, prev string, stats *loadStats) (ApplySample, error) {
	stats.take()
	if err := a.apply(e, st); err != nil {
		return ApplySample{}, err
	}
	t0 := time.Now()
	lat, err := e.waitInForce(ctx, a, t0, 10*time.Second, func(c *http.Client) bool {
		code, err := getStatus(ctx, c, a.t, credential{ProbeUser, st.ProbePassword}, "/v2/")
		if err != nil || (code != http.StatusOK && code != http.StatusForbidden) {
			return false
		}
		code, err = getStatus(ctx, c, a.t, credential{ProbeUser, prev}, "/v2/")
		return err == nil && code == http.StatusUnauthorized
	})
	if err != nil {
		return ApplySample{}, fmt.Errorf("password change: %w", err)
	}
	time.Sleep(o.Settle)
	return sample(ChangePassword, lat, 0, stats.take()), nil
}

// changeConfig applies st (a flip of the probe's pull access, which only
// httpd.conf holds), reloads Apache gracefully and waits until the probe
// gets the new answer. With up, it also waits for the upload and records
// how it ended.
func (e *env) changeConfig(ctx context.Context, o ApplyOptions, a *applyStack, st applyState, stats *loadStats, up *upload) (ApplySample, error) {
	stats.take()
	if err := a.apply(e, st); err != nil {
		return ApplySample{}, err
	}
	want := http.StatusForbidden
	if st.Open {
		want = http.StatusOK
	}
	t0 := time.Now()
	reload, err := a.s.Reload(5 * time.Minute)
	if err != nil {
		return ApplySample{}, err
	}
	timeout := 10 * time.Second
	if up != nil {
		timeout = 10 * time.Minute
	}
	lat, err := e.waitInForce(ctx, a, t0, timeout, func(c *http.Client) bool {
		code, err := getStatus(ctx, c, a.t, credential{ProbeUser, st.ProbePassword}, "/v2/")
		return err == nil && code == want
	})
	if err != nil {
		return ApplySample{}, fmt.Errorf("config change: %w", err)
	}
	kind, transfer := ChangeConfig, ""
	if up != nil {
		kind = ChangeTransfer
		<-up.done
		transfer = fmt.Sprintf("%s ok in %v", sizeName(up.size), up.dur.Round(100*time.Millisecond))
		if up.err != nil {
			transfer = up.err.Error()
		}
	}
	time.Sleep(o.Settle)
	s := sample(kind, lat, reload, stats.take())
	s.Transfer = transfer
	return s, nil
}

func sample(kind string, lat, reload time.Duration, w loadWindow) ApplySample {
	return ApplySample{Kind: kind, Latency: lat, Reload: reload, OK: w.OK, Failed: w.Failed,
		Stalled: w.Stalled, MaxLat: w.Max, FirstErr: w.FirstErr}
}

// ApplyKinds are the change kinds in table order.
var ApplyKinds = []string{ChangePassword, ChangeConfig, ChangePasswordTransfer, ChangeTransfer}

// samplesOf returns the samples of one model and kind.
func (r *ApplyResult) samplesOf(model, kind string) []ApplySample {
	var out []ApplySample
	for _, s := range r.Samples {
		if s.Model == model && s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
