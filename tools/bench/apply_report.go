package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// kindLabel names a change kind in the table.
var kindLabel = map[string]string{
	ChangePassword:         "password file (no reload)",
	ChangeConfig:           "httpd.conf (graceful reload)",
	ChangePasswordTransfer: "password file, upload in flight",
	ChangeTransfer:         "httpd.conf, upload in flight",
}

// cell summarises one model's samples of one kind: apply latency (median
// and max), load requests failed and stalled of all sent, and for reloads
// the time httpd took to log its new generation.
func cell(ss []ApplySample) (lat, fail, reload, transfer string) {
	if len(ss) == 0 {
		return "-", "-", "-", ""
	}
	var lats, reloads []time.Duration
	var failed, stalled, total int
	var transfers []string
	for _, s := range ss {
		lats = append(lats, s.Latency)
		if s.Reload > 0 {
			reloads = append(reloads, s.Reload)
		}
		failed += s.Failed
		stalled += s.Stalled
		total += s.OK + s.Failed + s.Stalled
		if s.Transfer != "" {
			transfers = append(transfers, s.Transfer)
		}
	}
	lat = ms(medianDur(lats))
	if len(ss) > 1 {
		lat += " (max " + ms(maxDur(lats)) + ")"
	}
	fail = fmt.Sprintf("%d+%d/%d", failed, stalled, total)
	reload = "-"
	if len(reloads) > 0 {
		reload = ms(medianDur(reloads))
	}
	return lat, fail, reload, strings.Join(transfers, "; ")
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

// WriteApplyTable writes the apply run as a table: one row per change
// kind, the process models side by side.
func WriteApplyTable(w io.Writer, r *ApplyResult) error {
	o := r.Options
	fmt.Fprintf(w, "apply latency (change on disk -> in force) and load requests failed+stalled/sent per change\n")
	fmt.Fprintf(w, "%d load clients (one identity each, keep-alive GET /v2/ every %v), %d changes of each kind, bcrypt cost %d, stalled = slower than %v\n",
		o.Clients, o.Pause, o.Rounds, o.BcryptCost, stallAfter)
	fmt.Fprintf(w, "host: %d CPUs, load before %s, after %s; %s\n\n", r.Host.CPUs, r.Host.LoadBefore, r.Host.LoadAfter, r.Host.Apache)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"change"}
	for _, m := range r.Models {
		head = append(head, m+": in force", "failed", "reload")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	var notes []string
	for _, k := range ApplyKinds {
		row := []string{kindLabel[k]}
		any := false
		for _, m := range r.Models {
			ss := r.samplesOf(m, k)
			any = any || len(ss) > 0
			lat, fail, reload, transfer := cell(ss)
			row = append(row, lat, fail, reload)
			if transfer != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: upload %s", m, kindLabel[k], transfer))
			}
		}
		if any {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	for _, s := range r.Samples {
		if s.FirstErr != "" {
			fmt.Fprintf(w, "%s, %s: first failure: %s\n", s.Model, kindLabel[s.Kind], s.FirstErr)
		}
	}
	fmt.Fprintln(w)
	for i, m := range r.Models {
		fmt.Fprintf(w, "%s:\n%s\n", m, indent(r.Blocks[i]))
	}
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// WriteApplyJSON writes the apply run as JSON.
func WriteApplyJSON(w io.Writer, r *ApplyResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
