package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteTable prints one block per metric: each variant's median, min–max
// over the repetitions and ratio to direct (×direct; above 1 is worse).
func WriteTable(w io.Writer, r *Result) error {
	var b strings.Builder
	width := len("variant")
	for _, v := range r.Variants {
		width = max(width, len(v.Name))
	}
	for _, m := range r.Metrics {
		rows := r.rows(m.ID)
		if len(rows) == 0 {
			continue
		}
		better := "lower is better"
		if m.Higher {
			better = "higher is better"
		}
		fmt.Fprintf(&b, "%s [%s, %s]\n", m.Title, m.Unit, better)
		fmt.Fprintf(&b, "  %-*s %10s %21s %8s\n", width, "variant", "median", "min–max", "×direct")
		for _, s := range rows {
			fmt.Fprintf(&b, "  %-*s %10s %21s %8s\n", width, s.Variant, format(s.Median), format(s.Min)+"–"+format(s.Max), ratio(s))
		}
		b.WriteString("\n")
	}
	for _, v := range r.Variants {
		if v.Handshake != nil {
			fmt.Fprintf(&b, "handshake %s: %s, %s, %s certificate\n", v.Name, v.Handshake.Version, v.Handshake.Cipher, v.Handshake.KeyType)
		}
	}
	fmt.Fprintf(&b, "load average before/after: %s / %s\n", r.Host.LoadBefore, r.Host.LoadAfter)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes a summary: settings, host, and one table with a
// column per variant ("median (min–max) ×ratio").
func WriteMarkdown(w io.Writer, r *Result) error {
	var b strings.Builder
	s := r.Settings
	fmt.Fprintf(&b, "# regsetup benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- host: %d CPUs, %s, kernel %s; %s; %s; %s; %s\n", r.Host.CPUs, r.Host.CPU, r.Host.Kernel, r.Host.Apache, r.Host.Nginx, r.Host.Registry, r.Host.Go)
	fmt.Fprintf(&b, "- settings: %s image in %d layers, %d × %s layers, %d repetitions (variants interleaved), %g s throughput runs with %d clients, %d requests per latency run, %d handshakes, bcrypt cost %d\n",
		sizeName(s.Size), s.BigLayers, s.SmallLayers, sizeName(s.SmallSize), s.Reps, s.Duration, s.Clients, s.Requests, s.Handshakes, s.BcryptCost)
	b.WriteString("- cells: median (min–max over repetitions) and ×direct, how many times worse than the bare registry (time ratio, or inverse rate ratio)\n\n")
	b.WriteString("| metric |")
	for _, v := range r.Variants {
		fmt.Fprintf(&b, " %s |", v.Name)
	}
	b.WriteString("\n|---|")
	for range r.Variants {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "| %s [%s] |", m.Title, m.Unit)
		for _, v := range r.Variants {
			s, ok := r.Find(v.Name, m.ID)
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %s (%s–%s)", format(s.Median), format(s.Min), format(s.Max))
			if s.Ratio > 0 {
				fmt.Fprintf(&b, " ×%.2f", s.Ratio)
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, v := range r.Variants {
		if v.Handshake != nil {
			fmt.Fprintf(&b, "- handshake %s: %s, %s, %s certificate\n", v.Name, v.Handshake.Version, v.Handshake.Cipher, v.Handshake.KeyType)
		}
	}
	fmt.Fprintf(&b, "- load average before/after the run: %s / %s (other work on the machine skews the numbers)\n", r.Host.LoadBefore, r.Host.LoadAfter)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the whole result, samples included.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// rows are the summaries of a metric in variant order.
func (r *Result) rows(metric string) []Summary {
	var out []Summary
	for _, v := range r.Variants {
		if s, ok := r.Find(v.Name, metric); ok {
			out = append(out, s)
		}
	}
	return out
}

func ratio(s Summary) string {
	if s.Ratio == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", s.Ratio)
}
